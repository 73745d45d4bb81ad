import type { Db } from '../db/client.ts'
import type { AnalysisSummary } from '../domain/analysis.ts'
import { barChart } from '../domain/charts.ts'
import { formatMoney } from '../domain/format.ts'
import { lapseLabels, lapseStatuses } from '../domain/lapse.ts'
import { latestAnalysisRun } from '../repos/analysis.ts'

/** The latest analysis run, parsed, with the value-at-stake chart: what the analysis and potential pages show. */
export function latestAnalysis(db: Db) {
  const run = latestAnalysisRun(db)
  if (!run) return null
  const summary = JSON.parse(run.summary) as AnalysisSummary
  const statuses = lapseStatuses.map((s) => ({ status: s, label: lapseLabels[s], ...summary.byStatus[s] }))
  const chart = barChart({
    categories: statuses.map((s) => s.label),
    series: [{ name: 'Value if won back', values: statuses.map((s) => s.valueIfWonCents / 100) }],
    formatValue: (v) => formatMoney(v * 100).replace(/\.00$/, ''),
    height: 220,
  })
  // One colour per status, as in the badges.
  chart.bars.forEach((b, i) => (b.className = `status-${statuses[i]!.status}`))
  return { run, summary, statuses, chart }
}
