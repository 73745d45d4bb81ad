import { cachedStatement, readTransaction, type Db } from '../db/client.ts'
import { consentEvents, customers, orders, type Customer } from '../db/schema.ts'
import type { LapseStatus } from '../domain/lapse.ts'
import { insertRow, selectRow, selectRows } from './rows.ts'

/** About how many customers there are, at once (the highest id): to tell a big shop without counting it. */
export function customerRowsHint(db: Db): number {
  return (cachedStatement(db, 'SELECT coalesce(max(id), 0) AS n FROM customers').get() as { n: number }).n
}

export function countCustomers(db: Db): number {
  return (cachedStatement(db, 'SELECT count(*) AS n FROM customers').get() as { n: number }).n
}

/**
 * How the customer list is ordered by each allow-listed sort (the only strings that reach ORDER
 * BY): the key expressions in ascending order, and whether they are on the customer (`c`) or the
 * analysis (`a`). Descending reverses every key, so that one index serves both directions; an
 * index serves name, email, id and created (customers) and days since / last order, CLV and
 * priority (customer_analysis), and the other analysis columns are sorted in full.
 */
export const customerSorts = {
  name: { on: 'c', keys: ['c.last_name IS NULL', 'c.last_name COLLATE NOCASE', 'c.first_name IS NULL', 'c.first_name COLLATE NOCASE'] },
  email: { on: 'c', keys: ['c.email'] },
  id: { on: 'c', keys: ['c.external_id'] },
  created: { on: 'c', keys: ['c.created_at'] },
  orders: { on: 'a', keys: ['a.orders'] },
  // The later the last order, the fewer the days since it: the same index, the other way round.
  last_order: { on: 'a', keys: ['a.days_since_last'], reverse: true },
  days_since: { on: 'a', keys: ['a.days_since_last'] },
  spend: { on: 'a', keys: ['a.spend_cents'] },
  // Alphabetical is also the order of severity: active, at_risk, lapsed, lost.
  status: { on: 'a', keys: ['a.lapse_status'] },
  p_alive: { on: 'a', keys: ['a.p_alive'] },
  expected_365: { on: 'a', keys: ['a.expected_purchases_365'] },
  clv: { on: 'a', keys: ['a.clv_cents'] },
  priority: { on: 'a', keys: ['a.priority_cents'] },
} as const satisfies Record<string, { on: 'c' | 'a'; keys: readonly string[]; reverse?: boolean }>

/** ORDER BY of a sort (ties by `id`, which the indexes hold too), and whether its keys are on the customer or the analysis. */
export function sortOrder(sortKey: CustomerSort, direction: 'asc' | 'desc', id: string): string {
  const sort: { keys: readonly string[]; reverse?: boolean } = customerSorts[sortKey]
  const dir = (direction === 'desc') !== !!sort.reverse ? 'DESC' : 'ASC'
  return [...sort.keys.map((k) => `${k} ${dir}`), `${id} ${dir}`].join(', ')
}
export type CustomerSort = keyof typeof customerSorts

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
export function filterWhere(f: CustomerFilters, analysisOnly = false): { where: string; params: Record<string, unknown> } {
  const q = f.q?.trim() || null
  // Erased customers stay only as anonymous placeholders (services/privacy.ts): never listed or targeted.
  // `analysisOnly`: the filters on the analysis alone (an erased customer has none).
  const parts: string[] = analysisOnly ? [] : ["c.external_id NOT LIKE 'erased:%'"]
  const params: Record<string, unknown> = {}
  if (analysisOnly) {
    // No search, no language.
  } else if (q && [...q].length >= 3) {
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
  if (f.locale && !analysisOnly) {
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

/** Beyond this many, a filtered list says "more than" rather than count every match. */
export const COUNT_CAP = 10_000

const listColumns = `c.id, c.external_id AS externalId, c.first_name AS firstName, c.last_name AS lastName, c.email,
  c.locale, c.email_consent AS emailConsent, coalesce(a.orders, 0) AS orders, a.last_order_at AS lastOrderAt,
  a.days_since_last AS daysSinceLast, coalesce(a.spend_cents, 0) AS spendCents, a.lapse_status AS lapseStatus,
  a.early_warning AS earlyWarning, a.p_alive AS pAlive, a.expected_purchases_365 AS expectedPurchases365,
  a.clv_cents AS clvCents, a.priority_cents AS priorityCents`

/** Filters on the customer's own facts (search, language): the list must start from customers to apply them. */
const searchesCustomers = (f: CustomerFilters) => !!f.q?.trim() || f.locale !== undefined

/** Filters on the analysis: a customer without one (no completed order) never matches them. */
const needsAnalysis = (f: CustomerFilters) =>
  (f.status !== undefined && f.status !== 'none') || !!f.warning || [f.minDaysSince, f.minOrders, f.minSpendCents, f.minClvCents, f.maxPAlive, f.minPriorityCents].some((v) => v !== undefined)

/**
 * One page of the customer list, and how many match (`totalIsAtLeast`: more than COUNT_CAP match
 * a filter, and only that many were counted). A sort on the analysis starts from
 * customer_analysis, so that its index gives the order; the customers without an analysis follow
 * them, by id, and are looked for only on the pages that reach them.
 */
export function listCustomers(db: Db, query: CustomerListQuery): { rows: CustomerListRow[]; total: number; totalIsAtLeast: boolean } {
  // Its count and its parts (analysed customers, then those without) read one snapshot: an
  // analysis swapping its figures in between would otherwise drop a customer from the page, or show one twice.
  return readTransaction(db, () => listCustomersNow(db, query))
}

function listCustomersNow(db: Db, query: CustomerListQuery): { rows: CustomerListRow[]; total: number; totalIsAtLeast: boolean } {
  const { where, params } = filterWhere(query)
  const sort = customerSorts[query.sort]
  // Ties by id: in the index already (its rowid), and a stable order for the pages.
  const order = (id: string) => sortOrder(query.sort, query.dir, id)
  const page = { limit: query.limit, offset: query.offset }
  const count = countCustomerList(db, query, where, params)
  // The SQL varies only with the allow-listed filters and sort: a bounded set of cached statements.
  if (sort.on === 'c' || query.status === 'none') {
    const rows = cachedStatement(db, `SELECT ${listColumns} ${listFrom} ${where} ORDER BY ${order('c.id')} LIMIT @limit OFFSET @offset`).all({ ...params, ...page }) as CustomerListRow[]
    return { rows, ...count }
  }
  const rows = searchesCustomers(query)
    ? (cachedStatement(
        db,
        `SELECT ${listColumns} FROM customer_analysis a JOIN customers c ON c.id = a.customer_id ${where} ORDER BY ${order('a.customer_id')} LIMIT @limit OFFSET @offset`,
      ).all({ ...params, ...page }) as CustomerListRow[])
    : pageByAnalysis(db, query, order('a.customer_id'))
  if (rows.length === query.limit || needsAnalysis(query)) return { rows, ...count }
  // The page reaches past the analysed customers: those without an analysis follow.
  const before = query.offset + rows.length === 0 ? 0 : (cachedStatement(db, `SELECT count(*) AS n FROM customer_analysis a JOIN customers c ON c.id = a.customer_id ${where}`).get(params) as { n: number }).n
  const rest = cachedStatement(db, `SELECT ${listColumns} ${listFrom} ${where} AND a.customer_id IS NULL ORDER BY c.id LIMIT @limit OFFSET @offset`).all({
    ...params,
    limit: query.limit - rows.length,
    offset: Math.max(0, query.offset - before),
  }) as CustomerListRow[]
  return { rows: [...rows, ...rest], ...count }
}

/**
 * A page of analysed customers found on customer_analysis alone, then joined for its 25 rows: a
 * sort with no index of its own reads that one table (a tenth of a second at a million) rather
 * than joining every customer first (seconds). CROSS JOIN keeps the page first: otherwise the
 * planner may walk all of customer_analysis to look each row up in the page.
 */
function pageByAnalysis(db: Db, query: CustomerListQuery, order: string): CustomerListRow[] {
  const { where, params } = filterWhere(query, true)
  return cachedStatement(
    db,
    `SELECT ${listColumns} FROM (SELECT a.customer_id AS id FROM customer_analysis a ${where} ORDER BY ${order} LIMIT @limit OFFSET @offset) page
     CROSS JOIN customer_analysis a ON a.customer_id = page.id CROSS JOIN customers c ON c.id = page.id ORDER BY ${order}`,
  ).all({ ...params, limit: query.limit, offset: query.offset }) as CustomerListRow[]
}

/** How many customers the list shows: counted in full without filters (two quick counts), else up to COUNT_CAP + 1. */
function countCustomerList(db: Db, f: CustomerFilters, where: string, params: Record<string, unknown>): { total: number; totalIsAtLeast: boolean } {
  const filtered = searchesCustomers(f) || f.status !== undefined || needsAnalysis(f)
  if (!filtered) {
    const all = (cachedStatement(db, 'SELECT count(*) AS n FROM customers').get() as { n: number }).n
    const erased = (cachedStatement(db, "SELECT count(*) AS n FROM customers WHERE external_id GLOB 'erased:*'").get() as { n: number }).n
    return { total: all - erased, totalIsAtLeast: false }
  }
  const n = (cachedStatement(db, `SELECT count(*) AS n FROM (SELECT 1 ${listFrom} ${where} LIMIT ${COUNT_CAP + 1})`).get(params) as { n: number }).n
  return n > COUNT_CAP ? { total: COUNT_CAP, totalIsAtLeast: true } : { total: n, totalIsAtLeast: false }
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
