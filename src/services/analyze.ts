import { DAY_MS } from '../domain/time.ts'
import type { Db } from '../db/client.ts'
import { analyseHistories, HistoryBuilder, type AnalysisSummary, type ModelChoice } from '../domain/analysis.ts'
import { AppError, note } from '../domain/errors.ts'
import { iterateCompletedOrders, recentSignals, saveAnalysisRun } from '../repos/analysis.ts'
import { enrolFollowUps } from './follow-ups.ts'
import { getAnalysisSettings } from './settings.ts'

export type AnalysisTrigger = 'cli' | 'import' | 'nightly' | 'manual' | 'start'

/** The date (YYYY-MM-DD, UTC) an analysis is "as of": the given one, or today. */
export function resolveAsOf(asOf?: string | Date): string {
  if (asOf === undefined) return new Date().toISOString().slice(0, 10)
  const iso = typeof asOf === 'string' ? asOf : asOf.toISOString().slice(0, 10)
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso) || Number.isNaN(Date.parse(`${iso}T00:00:00Z`))) {
    throw new AppError(note('err.notADate', { value: iso }))
  }
  return iso
}

/** Everyone's history as of a date: completed orders up to the end of that day (later ones ignored). */
export function loadHistories(db: Db, asOf: string) {
  const builder = new HistoryBuilder()
  for (const row of iterateCompletedOrders(db, asOf)) builder.add(row)
  return builder.finish()
}

/**
 * Recompute history, lapse status, models and CLV for every customer who bought, and store the
 * results with the run (one transaction). `--as-of` analyses the data as it stood on that date.
 * A run of today also enrols the follow-up checks that fell due: imports bring the orders, and
 * the nightly run lets the days pass (services/follow-ups.ts).
 */
export function analyze(db: Db, options: { asOf?: string | Date; trigger: AnalysisTrigger; model?: ModelChoice }): AnalysisSummary & { runId: number; seconds: number; followUps: number } {
  const started = new Date()
  const asOf = resolveAsOf(options.asOf)
  const asOfDay = Date.parse(`${asOf}T00:00:00Z`) / DAY_MS
  const histories = loadHistories(db, asOf)
  const settings = getAnalysisSettings(db)
  const { customers, summary } = analyseHistories(histories, asOfDay, options.model ? { ...settings, model: options.model } : settings, recentSignals(db, asOf))
  const finished = new Date()
  const runId = saveAnalysisRun(
    db,
    { asOf, trigger: options.trigger, startedAt: started.toISOString(), finishedAt: finished.toISOString(), customers: customers.length, summary: JSON.stringify(summary) },
    customers,
  )
  const followUps = options.asOf === undefined ? enrolFollowUps(db) : 0
  return { ...summary, runId, seconds: (finished.getTime() - started.getTime()) / 1000, followUps }
}
