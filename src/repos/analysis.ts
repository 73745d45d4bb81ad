import { DAY_MS } from '../domain/time.ts'
import { cachedStatement, type Db } from '../db/client.ts'
import { analysisRuns, customerAnalysis, type AnalysisRun, type CustomerAnalysisRow } from '../db/schema.ts'
import type { RecentSignals } from '../domain/lapse.ts'
import { favouriteItems, type AnalysisSummary, type CustomerAnalysis, type CustomerHistory } from '../domain/analysis.ts'
import { insertRow, selectRow } from './rows.ts'

/**
 * Each customer's completed orders up to the end of a day (ISO date) as one history, in customer
 * order, streamed. SQLite groups the orders (one row per customer: its purchase days and amounts
 * joined), so that JavaScript walks customers rather than every order row; orders of the same day
 * make one purchase day. `fromCustomerId` and `beforeCustomerId` read a range of customers.
 */
export function* iterateHistories(db: Db, asOfDate: string, fromCustomerId = 0, beforeCustomerId = Number.MAX_SAFE_INTEGER): Generator<CustomerHistory> {
  const before = new Date(Date.parse(`${asOfDate}T00:00:00Z`) + DAY_MS).toISOString()
  const rows = db.$client
    .prepare(
      `SELECT customer_id, count(*), sum(total_cents), min(ordered_at), max(ordered_at),
              group_concat((unixepoch(ordered_at) / 86400) || ':' || total_cents), group_concat(items, '|')
       FROM orders WHERE customer_id >= ? AND customer_id < ? AND status = 'completed' AND ordered_at < ? GROUP BY customer_id`,
    )
    .raw()
    .iterate(fromCustomerId, beforeCustomerId, before) as IterableIterator<[number, number, number, string, string, string, string | null]>
  for (const [customerId, orders, spendCents, firstOrderAt, lastOrderAt, days, items] of rows) {
    const purchaseDays: number[] = []
    const dayValues: number[] = []
    for (let from = 0; from < days.length; ) {
      const colon = days.indexOf(':', from)
      let end = days.indexOf(',', colon)
      if (end < 0) end = days.length
      const day = integerAt(days, from, colon)
      const cents = integerAt(days, colon + 1, end)
      // The index (customer_id, ordered_at) brings them in time order; should a plan not, they are put in place.
      let at = purchaseDays.length
      while (at > 0 && purchaseDays[at - 1]! > day) at--
      if (at > 0 && purchaseDays[at - 1] === day) dayValues[at - 1]! += cents
      else {
        purchaseDays.splice(at, 0, day)
        dayValues.splice(at, 0, cents)
      }
      from = end + 1
    }
    yield { customerId, orders, purchaseDays, dayValues, spendCents, firstOrderAt, lastOrderAt, favouriteItems: favouriteItems(items) }
  }
}

/** The integer written in text[from, to): digit by digit, without a substring for each of millions of numbers. */
function integerAt(text: string, from: number, to: number): number {
  const negative = text.charCodeAt(from) === 45
  let n = 0
  for (let i = negative ? from + 1 : from; i < to; i++) n = n * 10 + text.charCodeAt(i) - 48
  return negative ? -n : n
}

/** The customer id that splits the customers for reading them in two threads: 55% before it, for the thread that starts first (the other one loads its code meanwhile). */
export function middleCustomerId(db: Db): number | null {
  const row = cachedStatement(db, 'SELECT id FROM customers ORDER BY id LIMIT 1 OFFSET (SELECT count(*) * 11 / 20 FROM customers)').get() as { id: number } | undefined
  return row?.id ?? null
}

/** Per customer with events: complaints in the 90 days and late payments in the 180 days up to the end of `asOfDate`. */
export function recentSignals(db: Db, asOfDate: string): Map<number, RecentSignals> {
  const end = Date.parse(`${asOfDate}T00:00:00Z`) + DAY_MS
  const rows = db.$client
    .prepare(
      `SELECT customer_id AS customerId, coalesce(sum(kind = 'complaint' AND occurred_at >= @complaintsSince), 0) AS complaints,
              coalesce(sum(kind = 'late_payment'), 0) AS latePayments
       FROM events WHERE kind IN ('complaint', 'late_payment') AND occurred_at >= @since AND occurred_at < @before GROUP BY customer_id`,
    )
    .all({ since: new Date(end - 180 * DAY_MS).toISOString(), complaintsSince: new Date(end - 90 * DAY_MS).toISOString(), before: new Date(end).toISOString() }) as ({ customerId: number } & RecentSignals)[]
  return new Map(rows.map((r) => [r.customerId, { complaints: r.complaints, latePayments: r.latePayments }]))
}

const analysisColumns = [
  'customer_id', 'run_id', 'as_of', 'orders', 'purchase_days', 'first_order_at', 'last_order_at', 'spend_cents', 'average_order_cents',
  'favourite_items', 'typical_gap_days', 'gap_basis', 'days_since_last', 'lapse_status', 'early_warning', 'r_score', 'f_score', 'm_score',
  'p_alive', 'expected_purchases_90', 'expected_purchases_365', 'expected_order_cents', 'clv_cents', 'value_if_won_cents', 'priority_cents',
] as const
/** Rows per INSERT statement: one statement per row cost more in binding and stepping than SQLite's own writing. */
const ROWS_PER_STATEMENT = 100
/** Rows per transaction: each commit is short, so that answers and mail never wait long for the write lock. */
const ROWS_PER_TRANSACTION = 5000
const RUN_TABLE_PREFIX = 'customer_analysis_run_'

/** The table and index definitions of customer_analysis as the migrations made them. */
function analysisSchema(db: Db) {
  const rows = cachedStatement(db, "SELECT type, sql FROM sqlite_master WHERE tbl_name = 'customer_analysis' AND sql IS NOT NULL").all() as { type: string; sql: string }[]
  return { table: rows.find((r) => r.type === 'table')!.sql, indexes: rows.filter((r) => r.type === 'index').map((r) => r.sql) }
}

/** Records that a run began (unfinished: no page takes it as the latest); progress and figures follow. */
export function startAnalysisRun(db: Db, run: { asOf: string; trigger: string; startedAt: string; expectedCustomers: number }): number {
  return insertRow(db, analysisRuns, { ...run, phase: 'reading', customers: 0 })!.id
}

/** How far a run is: its phase, and how many customers it has read or written of about how many. */
export function recordAnalysisProgress(db: Db, runId: number, phase: 'reading' | 'fitting' | 'writing' | 'failed', customers: number, of: number): void {
  cachedStatement(db, 'UPDATE analysis_runs SET phase = ?, customers = ?, expected_customers = ? WHERE id = ? AND finished_at IS NULL').run(phase, customers, of, runId)
}

/** The run under way, if any: unfinished, newer than the latest finished one, not failed, and begun in the last two hours (else it broke off). */
export function runningAnalysisRun(db: Db, now = new Date()): AnalysisRun | undefined {
  return selectRow(
    db,
    analysisRuns,
    "WHERE finished_at IS NULL AND coalesce(phase, '') <> 'failed' AND started_at > ? AND id > (SELECT coalesce(max(id), 0) FROM analysis_runs WHERE finished_at IS NOT NULL) ORDER BY id DESC LIMIT 1",
    new Date(now.getTime() - 2 * 3600_000).toISOString(),
  )
}

/**
 * Store an analysis run as it produces its customers' figures: `produce` hands each customer to
 * `store` and returns the summary. The figures go into a table of the run's own, in short
 * transactions of a few thousand customers (answers and mail never wait long for the write lock)
 * and in customer order without secondary indexes (an append, three times as fast as replacing
 * rows in place). One last transaction swaps it in for customer_analysis and builds the indexes,
 * so that every page sees the old figures or the new, never a mix. A run that breaks off leaves
 * its table behind, which the next run's swap removes; of two runs at once, the later one wins.
 */
export function saveAnalysisRun(
  db: Db,
  runId: number,
  run: { asOf: string },
  produce: (store: (c: CustomerAnalysis) => void) => AnalysisSummary,
): { summary: AnalysisSummary; finishedAt: string } {
  const sqlite = db.$client
  const schema = analysisSchema(db)
  const table = `${RUN_TABLE_PREFIX}${runId}`
  sqlite.exec(schema.table.replace(/customer_analysis/, table))
  const values = `(${analysisColumns.map(() => '?').join(', ')})`
  const insert = (rows: number) => sqlite.prepare(`INSERT INTO ${table} (${analysisColumns.join(', ')}) VALUES ${Array.from({ length: rows }, () => values).join(', ')}`)
  const many = insert(ROWS_PER_STATEMENT)
  const perStatement = ROWS_PER_STATEMENT * analysisColumns.length
  const batch: unknown[] = []
  const commit = sqlite.transaction(() => {
    const whole = batch.length - (batch.length % perStatement)
    for (let at = 0; at < whole; at += perStatement) many.run(batch.slice(at, at + perStatement))
    if (whole < batch.length) insert((batch.length - whole) / analysisColumns.length).run(batch.slice(whole))
    batch.length = 0
  })
  try {
    const summary = produce((c) => {
      batch.push(
        c.customerId, runId, run.asOf, c.orders, c.purchaseDays, c.firstOrderAt, c.lastOrderAt, c.spendCents, c.averageOrderCents,
        c.favouriteItems, c.typicalGapDays, c.gapBasis, c.daysSinceLast, c.lapseStatus, c.earlyWarning, c.rScore, c.fScore, c.mScore,
        c.pAlive, c.expectedPurchases90, c.expectedPurchases365, c.expectedOrderCents, c.clvCents, c.valueIfWonCents, c.priorityCents,
      )
      if (batch.length === ROWS_PER_TRANSACTION * analysisColumns.length) commit.immediate()
    })
    if (batch.length) commit.immediate()
    const finishedAt = new Date().toISOString()
    sqlite.transaction(() => {
      // Customers erased while the run read their orders keep no figures.
      sqlite.prepare(`DELETE FROM ${table} WHERE customer_id IN (SELECT id FROM customers WHERE external_id GLOB 'erased:*')`).run()
      sqlite.exec(`DROP TABLE customer_analysis; ALTER TABLE ${table} RENAME TO customer_analysis`)
      for (const sql of schema.indexes) sqlite.exec(sql)
      // Tables of runs that broke off, or that an earlier run at the same time still writes (it loses).
      const stale = sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB ?").pluck().all(`${RUN_TABLE_PREFIX}*`) as string[]
      for (const name of stale) if (Number(name.slice(RUN_TABLE_PREFIX.length)) < runId) sqlite.exec(`DROP TABLE ${name}`)
      cachedStatement(db, 'UPDATE analysis_runs SET finished_at = ?, phase = NULL, customers = ?, expected_customers = NULL, summary = ? WHERE id = ?').run(finishedAt, summary.customers, JSON.stringify(summary), runId)
    }).immediate()
    return { summary, finishedAt }
  } catch (err) {
    sqlite.exec(`DROP TABLE IF EXISTS ${table}`)
    throw err
  }
}

export function latestAnalysisRun(db: Db): AnalysisRun | undefined {
  return selectRow(db, analysisRuns, 'WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1')
}

export function getCustomerAnalysis(db: Db, customerId: number): CustomerAnalysisRow | undefined {
  return selectRow(db, customerAnalysis, 'WHERE customer_id = ?', customerId)
}

/** The date (YYYY-MM-DD) of the latest completed order, or null. */
export function latestOrderDate(db: Db): string | null {
  const row = cachedStatement(db, "SELECT max(ordered_at) AS at FROM orders WHERE status = 'completed'").get() as { at: string | null }
  return row.at ? row.at.slice(0, 10) : null
}

/** Customers ranked by win-back priority, optionally of one lapse status. */
export function listByPriority(db: Db, status: string | null, limit: number, offset: number) {
  const where = status ? 'WHERE a.lapse_status = @status' : ''
  const rows = cachedStatement(
    db,
      `SELECT c.id, c.external_id AS externalId, c.first_name AS firstName, c.last_name AS lastName, c.email_consent AS emailConsent,
              a.lapse_status AS lapseStatus, a.days_since_last AS daysSinceLast, a.orders, a.spend_cents AS spendCents,
              a.p_alive AS pAlive, a.value_if_won_cents AS valueIfWonCents, a.clv_cents AS clvCents, a.priority_cents AS priorityCents,
              a.favourite_items AS favouriteItems
       FROM customer_analysis a JOIN customers c ON c.id = a.customer_id ${where}
       ORDER BY a.priority_cents DESC NULLS LAST, a.customer_id LIMIT @limit OFFSET @offset`,
  ).all({ status, limit, offset }) as {
    id: number
    externalId: string
    firstName: string | null
    lastName: string | null
    emailConsent: string
    lapseStatus: string
    daysSinceLast: number
    orders: number
    spendCents: number
    pAlive: number | null
    valueIfWonCents: number | null
    clvCents: number | null
    priorityCents: number | null
    favouriteItems: string | null
  }[]
  const total = (cachedStatement(db, `SELECT count(*) AS n FROM customer_analysis a ${where}`).get({ status }) as { n: number }).n
  return { rows, total }
}
