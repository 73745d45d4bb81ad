import { DAY_MS } from '../domain/time.ts'
import { cachedStatement, type Db } from '../db/client.ts'
import { analysisRuns, customerAnalysis, type AnalysisRun, type CustomerAnalysisRow } from '../db/schema.ts'
import type { RecentSignals } from '../domain/lapse.ts'
import type { CustomerAnalysis, OrderRow } from '../domain/analysis.ts'
import { insertRow, selectRow } from './rows.ts'

/** Completed orders up to the end of a day (ISO date), by customer and time: the analysis's input, streamed. */
export function iterateCompletedOrders(db: Db, asOfDate: string): IterableIterator<OrderRow> {
  const before = new Date(Date.parse(`${asOfDate}T00:00:00Z`) + DAY_MS).toISOString()
  return db.$client
    .prepare(
      `SELECT customer_id AS customerId, ordered_at AS orderedAt, total_cents AS totalCents, items
       FROM orders WHERE status = 'completed' AND ordered_at < ? ORDER BY customer_id, ordered_at`,
    )
    .iterate(before) as IterableIterator<OrderRow>
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

/** Replace every stored customer analysis with a new run's, in one transaction. */
export function saveAnalysisRun(
  db: Db,
  run: Omit<typeof analysisRuns.$inferInsert, 'id'>,
  results: readonly CustomerAnalysis[],
): number {
  const sqlite = db.$client
  const insert = sqlite.prepare(
    `INSERT INTO customer_analysis (customer_id, run_id, as_of, orders, purchase_days, first_order_at, last_order_at, spend_cents,
       average_order_cents, favourite_items, typical_gap_days, gap_basis, days_since_last, lapse_status, early_warning,
       r_score, f_score, m_score, p_alive, expected_purchases_90, expected_purchases_365, expected_order_cents, clv_cents,
       value_if_won_cents, priority_cents)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  return sqlite.transaction(() => {
    const runId = insertRow(db, analysisRuns, run)!.id
    sqlite.prepare('DELETE FROM customer_analysis').run()
    for (const c of results) {
      insert.run(
        c.customerId, runId, run.asOf, c.orders, c.purchaseDays, c.firstOrderAt, c.lastOrderAt, c.spendCents,
        c.averageOrderCents, c.favouriteItems.join('|') || null, c.typicalGapDays, c.gapBasis, c.daysSinceLast, c.lapseStatus,
        c.earlyWarning, c.rScore, c.fScore, c.mScore, c.pAlive, c.expectedPurchases90, c.expectedPurchases365,
        c.expectedOrderCents, c.clvCents, c.valueIfWonCents, c.priorityCents,
      )
    }
    return runId
  }).immediate()
}

export function latestAnalysisRun(db: Db): AnalysisRun | undefined {
  return selectRow(db, analysisRuns, 'ORDER BY id DESC LIMIT 1')
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
