import { asc, count, desc, eq } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { consentEvents, customers, orders, type Customer } from '../db/schema.ts'

export function countCustomers(db: Db): number {
  return db.select({ n: count() }).from(customers).get()!.n
}

/** Columns the customer list may be sorted by: the only strings that reach ORDER BY. */
export const customerSortColumns = {
  name: 'c.last_name COLLATE NOCASE, c.first_name COLLATE NOCASE',
  email: 'c.email',
  id: 'c.external_id',
  orders: 's.orders',
  last_order: 's.last_order_at',
  spend: 's.spend_cents',
  created: 'c.created_at',
} as const
export type CustomerSort = keyof typeof customerSortColumns

export interface CustomerListQuery {
  q?: string
  sort: CustomerSort
  dir: 'asc' | 'desc'
  limit: number
  offset: number
}

export interface CustomerListRow {
  id: number
  externalId: string
  firstName: string | null
  lastName: string | null
  email: string | null
  locale: string
  emailConsent: string
  orders: number
  lastOrderAt: string | null
  spendCents: number
}

const listFrom = `
  FROM customers c
  LEFT JOIN (
    SELECT customer_id, count(*) AS orders, max(ordered_at) AS last_order_at, sum(total_cents) AS spend_cents
    FROM orders WHERE status = 'completed' GROUP BY customer_id
  ) s ON s.customer_id = c.id`

const searchWhere = `WHERE (@q IS NULL OR c.external_id = @q OR c.email LIKE @like ESCAPE '\\'
  OR c.last_name LIKE @like ESCAPE '\\' OR c.first_name LIKE @like ESCAPE '\\'
  OR (c.first_name || ' ' || c.last_name) LIKE @like ESCAPE '\\')`

export function listCustomers(db: Db, query: CustomerListQuery): { rows: CustomerListRow[]; total: number } {
  const q = query.q?.trim() || null
  const params = { q, like: q ? `%${q.replace(/[\\%_]/g, (m) => '\\' + m)}%` : null }
  const order = customerSortColumns[query.sort]
    .split(', ')
    .map((col) => `${col} ${query.dir === 'desc' ? 'DESC' : 'ASC'} NULLS LAST`)
    .join(', ')
  const rows = db.$client
    .prepare(
      `SELECT c.id, c.external_id AS externalId, c.first_name AS firstName, c.last_name AS lastName, c.email,
              c.locale, c.email_consent AS emailConsent, coalesce(s.orders, 0) AS orders,
              s.last_order_at AS lastOrderAt, coalesce(s.spend_cents, 0) AS spendCents
       ${listFrom} ${searchWhere} ORDER BY ${order}, c.id LIMIT @limit OFFSET @offset`,
    )
    .all({ ...params, limit: query.limit, offset: query.offset }) as CustomerListRow[]
  const total = (db.$client.prepare(`SELECT count(*) AS n FROM customers c ${searchWhere}`).get(params) as { n: number }).n
  return { rows, total }
}

export function getCustomer(db: Db, id: number): Customer | undefined {
  return db.select().from(customers).where(eq(customers.id, id)).get()
}

export function listCustomerOrders(db: Db, customerId: number) {
  return db.select().from(orders).where(eq(orders.customerId, customerId)).orderBy(desc(orders.orderedAt)).all()
}

export function listConsentEvents(db: Db, customerId: number) {
  return db
    .select()
    .from(consentEvents)
    .where(eq(consentEvents.customerId, customerId))
    .orderBy(asc(consentEvents.createdAt), asc(consentEvents.id))
    .all()
}
