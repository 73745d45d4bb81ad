import { DAY_MS } from '../domain/time.ts'
import type { Db } from '../db/client.ts'
import { ShopAnalysis, type AnalysisSummary, type ModelChoice, type StartFit } from '../domain/analysis.ts'
import { fitModel } from '../domain/clv/models.ts'
import { AppError, note } from '../domain/errors.ts'
import { iterateHistories, middleCustomerId, recentSignals, recordAnalysisProgress, saveAnalysisRun, startAnalysisRun } from '../repos/analysis.ts'
import { startAnalysisThread, type AnalysisThread } from '../jobs/analysis-thread.ts'
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
  options: { asOf?: string | Date; trigger: AnalysisTrigger; model?: ModelChoice; onProgress?: (p: AnalysisProgress) => void; threads?: 1 | 2 },
): AnalysisSummary & { runId: number; seconds: number; followUps: number } {
  const started = new Date()
  const asOf = resolveAsOf(options.asOf)
  const asOfDay = Date.parse(`${asOf}T00:00:00Z`) / DAY_MS
  const expected = countCustomers(db)
  const runId = startAnalysisRun(db, { asOf, trigger: options.trigger, startedAt: started.toISOString(), expectedCustomers: expected })
  const report = progressReporter(expected, (p) => {
    // While reading, the connection is busy streaming the orders: the run says "reading" from its start.
    if (p.phase !== 'reading') recordAnalysisProgress(db, runId, p.phase, p.customers, p.of)
    options.onProgress?.(p)
  })
  const twoThreads = (options.threads ?? (expected >= TWO_THREADS_FROM ? 2 : 1)) === 2 && !db.$client.memory
  // Started now, the fitting thread has loaded its code by the time the models are fitted.
  const fitter = twoThreads ? startAnalysisThread('fit', analysisHeapMb(expected)) : null
  let written = 0
  let saved: ReturnType<typeof saveAnalysisRun>
  try {
    const analysis = readShop(db, asOf, asOfDay, expected, twoThreads, report)
    report('fitting', analysis.size, true)
    const settings = getAnalysisSettings(db)
    const figures = analysis.fit(options.model ? { ...settings, model: options.model } : settings, fitter ? fitParetoIn(fitter) : undefined)
    const signals = recentSignals(db, asOf)
    saved = saveAnalysisRun(db, runId, { asOf }, (store) =>
      figures.emit(signals, (c) => {
        store(c)
        report('writing', ++written)
      }),
    )
  } catch (err) {
    recordAnalysisProgress(db, runId, 'failed', written, expected)
    throw err
  } finally {
    // Unused when too few customers bought again to fit any model.
    fitter?.close()
  }
  const { summary, finishedAt } = saved
  options.onProgress?.({ phase: 'writing', customers: written, of: written })
  const followUps = options.asOf === undefined ? enrolFollowUps(db) : 0
  return { ...summary, runId, seconds: (Date.parse(finishedAt) - started.getTime()) / 1000, followUps }
}

/**
 * The JavaScript heap an analysis thread is given for `customers` (of its share): room for what
 * it holds besides the typed columns (which live outside the heap), about 100 bytes a customer,
 * and a margin. Bounded, V8 collects before the heap grows far past that: at a million customers
 * the scale bench's analysis peaked at 613 MiB without a bound and 482 MiB with one, in the same time.
 */
export function analysisHeapMb(customers: number): number {
  return Math.ceil(192 + (customers * 100) / 1048576)
}

/** From this many customers on, two threads read them: below, starting the second costs about what it saves. */
export const TWO_THREADS_FROM = 20_000

/**
 * Every customer's history into a ShopAnalysis. With two threads, another one reads the upper 45%
 * of the customers on its own connection while this one reads the rest (each is mostly
 * SQLite grouping orders, then parsing), and its part is merged after. The two read the database
 * as it stands when each starts: an import committing in between may be seen by one half only,
 * and the next analysis sees all of it.
 */
function readShop(db: Db, asOf: string, asOfDay: number, expected: number, twoThreads: boolean, report: ReturnType<typeof progressReporter>): ShopAnalysis {
  const analysis = new ShopAnalysis(asOfDay, expected)
  const middle = twoThreads ? middleCustomerId(db) : null
  const reader = middle === null ? null : startAnalysisThread('read', analysisHeapMb(expected / 2))
  try {
    reader?.send({ dbFile: db.$client.name, asOf, asOfDay, fromCustomerId: middle!, expectedCustomers: expected })
    for (const history of iterateHistories(db, asOf, 0, middle ?? undefined)) {
      analysis.add(history)
      report('reading', analysis.size)
    }
    if (reader) analysis.merge(reader.join())
  } finally {
    reader?.close()
  }
  return analysis
}

/** Pareto/NBD, the slowest fit by far, in `thread` while this one fits the others and runs the back-test. */
const fitParetoIn =
  (thread: AnalysisThread<'fit'>): StartFit =>
  (kind, groups) => {
    if (kind !== 'paretoNbd') return () => fitModel(kind, groups)
    const columns = [groups.x, groups.tx, groups.T, groups.count].map((c) => Float64Array.from(c))
    thread.send({ kind, x: columns[0]!, tx: columns[1]!, T: columns[2]!, count: columns[3]! }, columns.map((c) => c.buffer))
    return () => thread.join()
  }

export interface AnalysisProgress {
  phase: 'reading' | 'fitting' | 'writing'
  customers: number
  /** Of about this many (reading: every customer in the database; writing: those with orders). */
  of: number
}

/** Calls `onProgress` at most every 10,000 customers (and on a change of phase). */
function progressReporter(expected: number, onProgress: (p: AnalysisProgress) => void) {
  let last = -1
  let phase = ''
  let of = expected
  return (p: AnalysisProgress['phase'], customers: number, force = false) => {
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
