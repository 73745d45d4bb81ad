import { DAY_MS } from '../domain/time.ts'
import type { Db } from '../db/client.ts'
import { ShopAnalysis, type AnalysisSummary, type ModelChoice } from '../domain/analysis.ts'
import { AppError, note } from '../domain/errors.ts'
import { iterateHistories, recentSignals, saveAnalysisRun } from '../repos/analysis.ts'
import { countCustomers } from '../repos/customers.ts'
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

/**
 * Recompute history, lapse status, models and CLV for every customer who bought, and store the
 * results with the run. The orders are read once, one customer at a time, keeping a few numbers
 * of each (ShopAnalysis); the figures are written as they come, in short transactions
 * (saveAnalysisRun). `--as-of` analyses the data as it stood on that date. A run of today also
 * enrols the follow-up checks that fell due: imports bring the orders, and the nightly run lets
 * the days pass (services/follow-ups.ts). `onProgress` hears how many customers are read, then written.
 */
export function analyze(
  db: Db,
  options: { asOf?: string | Date; trigger: AnalysisTrigger; model?: ModelChoice; onProgress?: (p: AnalysisProgress) => void },
): AnalysisSummary & { runId: number; seconds: number; followUps: number } {
  const started = new Date()
  const asOf = resolveAsOf(options.asOf)
  const asOfDay = Date.parse(`${asOf}T00:00:00Z`) / DAY_MS
  const expected = countCustomers(db)
  const report = progressReporter(expected, options.onProgress)
  const analysis = new ShopAnalysis(asOfDay, expected)
  for (const history of iterateHistories(db, asOf)) {
    analysis.add(history)
    report('reading', analysis.size)
  }
  const settings = getAnalysisSettings(db)
  const figures = analysis.fit(options.model ? { ...settings, model: options.model } : settings)
  report('fitting', analysis.size, true)
  const signals = recentSignals(db, asOf)
  let written = 0
  const { runId, summary, finishedAt } = saveAnalysisRun(db, { asOf, trigger: options.trigger, startedAt: started.toISOString(), expectedCustomers: analysis.size }, (store) =>
    figures.emit(signals, (c) => {
      store(c)
      report('writing', ++written)
    }),
  )
  const followUps = options.asOf === undefined ? enrolFollowUps(db) : 0
  return { ...summary, runId, seconds: (Date.parse(finishedAt) - started.getTime()) / 1000, followUps }
}

export interface AnalysisProgress {
  phase: 'reading' | 'fitting' | 'writing'
  customers: number
  /** Of about this many (reading: every customer in the database; writing: those with orders). */
  of: number
}

/** Calls `onProgress` at most every 10,000 customers (and on a change of phase). */
function progressReporter(expected: number, onProgress?: (p: AnalysisProgress) => void) {
  let last = -1
  let phase = ''
  let of = expected
  return (p: AnalysisProgress['phase'], customers: number, force = false) => {
    if (!onProgress) return
    if (p !== phase) {
      if (phase === 'reading') of = customers
      phase = p
      force = true
    }
    if (force || customers - last >= 10_000) {
      last = customers
      onProgress({ phase: p, customers, of })
    }
  }
}
