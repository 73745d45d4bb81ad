import { desc, eq } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { analysisRuns, customerAnalysis, type AnalysisRun, type CustomerAnalysisRow } from '../db/schema.ts'
import type { CustomerAnalysis, OrderRow } from '../domain/analysis.ts'

/** Completed orders up to the end of a day (ISO date), by customer and time: the analysis's input, streamed. */
export function iterateCompletedOrders(db: Db, asOfDate: string): IterableIterator<OrderRow> {
  const before = new Date(Date.parse(`${asOfDate}T00:00:00Z`) + 86_400_000).toISOString()
  return db.$client
    .prepare(
      `SELECT customer_id AS customerId, ordered_at AS orderedAt, total_cents AS totalCents, items
       FROM orders WHERE status = 'completed' AND ordered_at < ? ORDER BY customer_id, ordered_at`,
    )
    .iterate(before) as IterableIterator<OrderRow>
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
    const runId = db.insert(analysisRuns).values(run).returning({ id: analysisRuns.id }).get().id
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
  })()
}

export function latestAnalysisRun(db: Db): AnalysisRun | undefined {
  return db.select().from(analysisRuns).orderBy(desc(analysisRuns.id)).limit(1).get()
}

export function getCustomerAnalysis(db: Db, customerId: number): CustomerAnalysisRow | undefined {
  return db.select().from(customerAnalysis).where(eq(customerAnalysis.customerId, customerId)).get()
}
