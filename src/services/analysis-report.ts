import type { Db } from '../db/client.ts'
import type { BacktestResult } from '../domain/backtest.ts'
import { modelKinds } from '../domain/clv/models.ts'
import { modelNames, type AnalysisSummary } from '../domain/analysis.ts'
import { barChart } from '../domain/charts.ts'
import { formatMoney, formatNumber } from '../domain/format.ts'
import type { Translate } from '../domain/i18n.ts'
import { lapseStatuses } from '../domain/lapse.ts'
import { latestAnalysisRun, runningAnalysisRun } from '../repos/analysis.ts'

export { runningAnalysisRun }

/** The latest analysis run, parsed: what the analysis and potential pages show. */
export function latestAnalysis(db: Db) {
  const run = latestAnalysisRun(db)
  if (!run) return null
  const summary = JSON.parse(run.summary!) as AnalysisSummary
  const statuses = lapseStatuses.map((s) => ({ status: s, ...summary.byStatus[s] }))
  return { run, summary, statuses }
}

/** The value at stake per lapse status as a bar chart, labelled in the reader's language; null when there is none to draw (no model could be trusted). */
export function stakeChart(latest: NonNullable<ReturnType<typeof latestAnalysis>>, t: Translate) {
  if (latest.statuses.every((s) => s.valueIfWonCents === 0)) return null
  const chart = barChart({
    categories: latest.statuses.map((s) => t(`status.${s.status}`)),
    series: [{ name: t('term.valueIfWon'), values: latest.statuses.map((s) => s.valueIfWonCents / 100) }],
    // Whole amounts on the axis: € 1.000 rather than € 1.000,00.
    formatValue: (v) => formatMoney(Math.round(v) * 100, 'EUR', t.intl).replace(/[.,]00(?=\D*$)/, ''),
    height: 220,
  })
  // One colour per status, as in the badges.
  chart.bars.forEach((b, i) => (b.className = `status-${latest.statuses[i]!.status}`))
  return chart
}

/** A back-test as a bar chart: mean purchases after the calibration date, actual and by each model, per calibration frequency. */
export function backtestChart(result: BacktestResult, t: Translate) {
  return barChart({
    categories: result.rows.map((r) => r.group),
    series: [
      { name: t('backtest.actual'), values: result.rows.map((r) => r.actual) },
      ...modelKinds.filter((k) => result.fits[k]).map((k) => ({ name: modelNames[k], values: result.rows.map((r) => r.predicted[k]) })),
    ],
    formatValue: (v) => formatNumber(v, 1, t.intl),
  })
}
