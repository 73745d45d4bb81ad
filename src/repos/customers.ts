import { cachedStatement, type Db } from '../db/client.ts'
import { consentEvents, customers, orders, type Customer } from '../db/schema.ts'
import type { LapseStatus } from '../domain/lapse.ts'
import { insertRow, selectRow, selectRows } from './rows.ts'

export function countCustomers(db: Db): number {
  return (cachedStatement(db, 'SELECT count(*) AS n FROM customers').get() as { n: number }).n
}

/** Columns the customer list may be sorted by: the only strings that reach ORDER BY. */
export const customerSortColumns = {
  name: 'c.last_name COLLATE NOCASE, c.first_name COLLATE NOCASE',
  email: 'c.email',
  id: 'c.external_id',
  orders: 'a.orders',
  last_order: 'a.last_order_at',
  days_since: 'a.days_since_last',
  spend: 'a.spend_cents',
  status: "CASE a.lapse_status WHEN 'active' THEN 1 WHEN 'at_risk' THEN 2 WHEN 'lapsed' THEN 3 WHEN 'lost' THEN 4 END",
  p_alive: 'a.p_alive',
  expected_365: 'a.expected_purchases_365',
  clv: 'a.clv_cents',
  priority: 'a.priority_cents',
  created: 'c.created_at',
} as const
export type CustomerSort = keyof typeof customerSortColumns

export interface CustomerFilters {
  q?: string
  /** A lapse status, or `none` for customers without a completed order. */
  status?: LapseStatus | 'none'
  warning?: boolean
  minDaysSince?: number
  minOrders?: number
  minSpendCents?: number
  minClvCents?: number
  maxPAlive?: number
  minPriorityCents?: number
  locale?: 'de' | 'en'
}

export interface CustomerListQuery extends CustomerFilters {
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
  daysSinceLast: number | null
  spendCents: number
  lapseStatus: LapseStatus | null
  earlyWarning: string | null
  pAlive: number | null
  expectedPurchases365: number | null
  clvCents: number | null
  priorityCents: number | null
}

const listFrom = 'FROM customers c LEFT JOIN customer_analysis a ON a.customer_id = c.id'

/** WHERE clause and parameters of the filters (customers `c`, analysis `a`); every value is a bound parameter. */
export function filterWhere(f: CustomerFilters): { where: string; params: Record<string, unknown> } {
  const q = f.q?.trim() || null
  // Erased customers stay only as anonymous placeholders (services/privacy.ts): never listed or targeted.
  const parts: string[] = ["c.external_id NOT LIKE 'erased:%'"]
  const params: Record<string, unknown> = {}
  if (q && [...q].length >= 3) {
    // Three letters or more: the trigram index (migration 0012) finds the substring in id, email and name without reading every customer.
    params.match = `"${q.replace(/"/g, '""')}"`
    parts.push('c.id IN (SELECT rowid FROM customers_search WHERE customers_search MATCH @match)')
  } else if (q) {
    // One or two letters say little: the exact customer id, or a name or address starting with them.
    params.q = q
    params.prefix = `${q.replace(/[\\%_]/g, (m) => '\\' + m)}%`
    parts.push(`(c.external_id = @q OR c.email LIKE @prefix ESCAPE '\\' OR c.last_name LIKE @prefix ESCAPE '\\' OR c.first_name LIKE @prefix ESCAPE '\\')`)
  }
  if (f.status === 'none') parts.push('a.customer_id IS NULL')
  else if (f.status) {
    params.status = f.status
    parts.push('a.lapse_status = @status')
  }
  if (f.warning) parts.push('a.early_warning IS NOT NULL')
  if (f.locale) {
    params.locale = f.locale
    parts.push('c.locale = @locale')
  }
  const bounds: [keyof CustomerFilters, string, string][] = [
    ['minDaysSince', 'a.days_since_last >=', 'minDaysSince'],
    ['minOrders', 'a.orders >=', 'minOrders'],
    ['minSpendCents', 'a.spend_cents >=', 'minSpendCents'],
    ['minClvCents', 'a.clv_cents >=', 'minClvCents'],
    ['maxPAlive', 'a.p_alive <=', 'maxPAlive'],
    ['minPriorityCents', 'a.priority_cents >=', 'minPriorityCents'],
  ]
  for (const [key, expr, name] of bounds) {
    if (f[key] !== undefined) {
      params[name] = f[key]
      parts.push(`${expr} @${name}`)
    }
  }
  return { where: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params }
}

export function listCustomers(db: Db, query: CustomerListQuery): { rows: CustomerListRow[]; total: number } {
  const { where, params } = filterWhere(query)
  const order = customerSortColumns[query.sort]
    .split(', ')
    .map((col) => `${col} ${query.dir === 'desc' ? 'DESC' : 'ASC'} NULLS LAST`)
    .join(', ')
  // The SQL varies only with the allow-listed filters and sort: a bounded set of cached statements.
  const rows = cachedStatement(
    db,
    `SELECT c.id, c.external_id AS externalId, c.first_name AS firstName, c.last_name AS lastName, c.email,
            c.locale, c.email_consent AS emailConsent, coalesce(a.orders, 0) AS orders, a.last_order_at AS lastOrderAt,
            a.days_since_last AS daysSinceLast, coalesce(a.spend_cents, 0) AS spendCents, a.lapse_status AS lapseStatus,
            a.early_warning AS earlyWarning, a.p_alive AS pAlive, a.expected_purchases_365 AS expectedPurchases365,
            a.clv_cents AS clvCents, a.priority_cents AS priorityCents
     ${listFrom} ${where} ORDER BY ${order}, c.id LIMIT @limit OFFSET @offset`,
  ).all({ ...params, limit: query.limit, offset: query.offset }) as CustomerListRow[]
  const total = (cachedStatement(db, `SELECT count(*) AS n ${listFrom} ${where}`).get(params) as { n: number }).n
  return { rows, total }
}

export function getCustomer(db: Db, id: number): Customer | undefined {
  return selectRow(db, customers, 'WHERE id = ?', id)
}

export function listCustomerOrders(db: Db, customerId: number) {
  return selectRows(db, orders, 'WHERE customer_id = ? ORDER BY ordered_at DESC', customerId)
}

export function listConsentEvents(db: Db, customerId: number) {
  return selectRows(db, consentEvents, 'WHERE customer_id = ? ORDER BY created_at, id', customerId)
}

export function getCustomerByExternalId(db: Db, externalId: string): Customer | undefined {
  return selectRow(db, customers, 'WHERE external_id = ?', externalId)
}

/** A customer of that language with a first name and favourite items: the sample of a mail preview. */
export function sampleCustomerForMail(db: Db, locale: 'de' | 'en'): { firstName: string; favouriteItems: string } | undefined {
  return cachedStatement(
    db,
    `SELECT c.first_name AS firstName, a.favourite_items AS favouriteItems FROM customers c JOIN customer_analysis a ON a.customer_id = c.id
     WHERE c.locale = ? AND c.first_name IS NOT NULL AND a.favourite_items IS NOT NULL ORDER BY a.priority_cents DESC LIMIT 1`,
  ).get(locale) as { firstName: string; favouriteItems: string } | undefined
}

/** Customers with an address and a basis to mail them whose last completed order is older than `before` (the demo's campaign). */
export function contactableCustomersLastOrderBefore(db: Db, before: string): { id: number; email: string; locale: 'de' | 'en' }[] {
  return cachedStatement(
    db,
    `SELECT c.id, c.email, c.locale FROM customers c
     WHERE c.email IS NOT NULL AND c.email_consent IN ('granted', 'existing_customer')
       AND (SELECT max(ordered_at) FROM orders o WHERE o.customer_id = c.id AND o.status = 'completed') < ?
     ORDER BY c.id`,
  ).all(before) as { id: number; email: string; locale: 'de' | 'en' }[]
}

export function insertOrder(db: Db, order: typeof orders.$inferInsert): void {
  insertRow(db, orders, order)
}

/** Customers with an address, whatever its case (imports keep the local part as given); by the index on lower(email). */
export function customerIdsByEmail(db: Db, email: string): number[] {
  return cachedStatement(db, 'SELECT id FROM customers WHERE lower(email) = lower(?)').pluck().all(email) as number[]
}
