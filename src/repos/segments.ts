import { cachedStatement, ruleStatement, type Db } from '../db/client.ts'
import { segments, type Segment } from '../db/schema.ts'
import { sortOrder, type CustomerSort } from './customers.ts'
import { insertRow, selectRow, selectRows, updateRows } from './rows.ts'

/** A compiled segment: a condition over `customers c` and `customer_analysis a`, with bound parameters. */
export interface SegmentWhere {
  sql: string
  params: Record<string, string | number>
  /**
   * Only customers with an analysis row can match, and no customer column is read: a count can
   * start from the analysis table and never touch the customers table (three times faster at
   * a million customers).
   */
  analysisOnly?: boolean
}

export function listSavedSegments(db: Db): Segment[] {
  return selectRows(db, segments, 'ORDER BY name COLLATE NOCASE')
}

export function getSegment(db: Db, id: number): Segment | undefined {
  return selectRow(db, segments, 'WHERE id = ?', id)
}

export function findSegmentByName(db: Db, name: string): Segment | undefined {
  return selectRow(db, segments, 'WHERE name = ? COLLATE NOCASE', name)
}

export function insertSegment(db: Db, row: { name: string; rules: string; createdBy: string; updatedBy: string }): Segment {
  return insertRow(db, segments, row)!
}

export function updateSegment(db: Db, id: number, row: { name: string; rules: string; updatedBy: string; updatedAt: string }): void {
  updateRows(db, segments, row, 'WHERE id = @whereId', { whereId: id })
}

export function deleteSegment(db: Db, id: number): void {
  cachedStatement(db, 'DELETE FROM segments WHERE id = ?').run(id)
}

const from = 'FROM customers c LEFT JOIN customer_analysis a ON a.customer_id = c.id'
/** Erased customers remain as anonymous placeholders (services/privacy.ts): in no segment. (Over the analysis table alone they are absent anyway.) */
const live = "c.external_id NOT LIKE 'erased:%'"

/** Every statement here is shaped by a segment's rules (see `ruleStatement`). */
const prepare = (db: Db, sql: string) => ruleStatement(db, sql, true)

/** How many customers a segment holds, and the value at stake among them. */
export function countSegment(db: Db, where: SegmentWhere): { customers: number; valueIfWonCents: number } {
  // The registry's SQL names the customer as c.id; over the analysis table alone that is a.customer_id.
  const sql = where.analysisOnly
    ? `SELECT count(*) AS customers, coalesce(sum(a.value_if_won_cents), 0) AS valueIfWonCents FROM customer_analysis a WHERE ${where.sql.replaceAll('c.id', 'a.customer_id')}`
    : `SELECT count(*) AS customers, coalesce(sum(a.value_if_won_cents), 0) AS valueIfWonCents ${from} WHERE ${live} AND (${where.sql})`
  return prepare(db, sql).get(where.params) as {
    customers: number
    valueIfWonCents: number
  }
}

/** The sorts of a segment's member list: those of the customer list that its table shows. */
export const segmentSorts = ['name', 'status', 'days_since', 'orders', 'spend', 'clv', 'priority'] as const satisfies readonly CustomerSort[]
export type SegmentSort = (typeof segmentSorts)[number]

/** The latest completed response of the customer: its main reason and scores, for the member list and the export. */
const latestResponse = `LEFT JOIN responses r ON r.id = (SELECT x.id FROM responses x WHERE x.customer_id = c.id AND x.status = 'complete' ORDER BY x.completed_at DESC, x.id DESC LIMIT 1)
  LEFT JOIN rewards w ON w.id = (SELECT max(y.id) FROM rewards y WHERE y.customer_id = c.id)
  LEFT JOIN coupons k ON k.id = w.coupon_id`

export interface SegmentMemberRow {
  id: number
  externalId: string
  firstName: string | null
  lastName: string | null
  email: string | null
  phone: string | null
  locale: string
  emailConsent: string
  phoneConsent: string
  lapseStatus: string | null
  daysSinceLast: number | null
  lastOrderAt: string | null
  orders: number | null
  spendCents: number | null
  clvCents: number | null
  pAlive: number | null
  priorityCents: number | null
  rScore: number | null
  fScore: number | null
  mScore: number | null
  mainReason: string | null
  reasons: string | null
  nps: number | null
  csat: number | null
  ces: number | null
  answers: string | null
  surveyVersionId: number | null
  completedAt: string | null
  points: number | null
  couponCode: string | null
  couponStatus: 'open' | 'redeemed' | 'expired' | null
}

/** The columns of a member row, in order: the page reads them as objects, the export as tuples (twice as fast). */
const memberColumnList = [
  ['id', 'c.id'], ['externalId', 'c.external_id'], ['firstName', 'c.first_name'], ['lastName', 'c.last_name'], ['email', 'c.email'],
  ['phone', 'c.phone'], ['locale', 'c.locale'], ['emailConsent', 'c.email_consent'], ['phoneConsent', 'c.phone_consent'],
  ['lapseStatus', 'a.lapse_status'], ['daysSinceLast', 'a.days_since_last'], ['lastOrderAt', 'a.last_order_at'], ['orders', 'a.orders'],
  ['spendCents', 'a.spend_cents'], ['clvCents', 'a.clv_cents'], ['pAlive', 'a.p_alive'], ['priorityCents', 'a.priority_cents'],
  ['rScore', 'a.r_score'], ['fScore', 'a.f_score'], ['mScore', 'a.m_score'], ['mainReason', 'r.main_reason'], ['reasons', 'r.reasons'],
  ['nps', 'r.nps'], ['csat', 'r.csat'], ['ces', 'r.ces'], ['answers', 'r.answers'], ['surveyVersionId', 'r.survey_version_id'],
  ['completedAt', 'r.completed_at'], ['points', 'w.points'], ['couponCode', 'k.code'],
  ['couponStatus', "CASE WHEN k.id IS NULL THEN NULL WHEN k.redeemed_at IS NOT NULL THEN 'redeemed' WHEN k.expires_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now') THEN 'expired' ELSE 'open' END"],
] as const satisfies readonly (readonly [keyof SegmentMemberRow, string])[]
const memberColumns = memberColumnList.map(([name, expr]) => `${expr} AS ${name}`).join(', ')

/** A member row as the export reads it: values in the order of `memberIndex`. */
export type MemberTuple = unknown[]
/** Where each column is in a `MemberTuple`. */
export const memberIndex = Object.fromEntries(memberColumnList.map(([name], i) => [name, i])) as Record<keyof SegmentMemberRow, number>

/** One page of a segment's members with their facts and latest answers; the sort is from the allow-list. */
export function segmentMembers(db: Db, where: SegmentWhere, sort: SegmentSort, dir: 'asc' | 'desc', limit: number, offset: number): SegmentMemberRow[] {
  const order = sortOrder(sort, dir, 'c.id')
  return prepare(db, `SELECT ${memberColumns} ${from} ${latestResponse} WHERE ${live} AND (${where.sql}) ORDER BY ${order} LIMIT @limit OFFSET @offset`).all({
    ...where.params,
    limit,
    offset,
  }) as SegmentMemberRow[]
}

/**
 * Who may be contacted on a channel now: consent granted (or existing customer where the admin
 * allows that basis), not objected, not unsubscribed or bounced. Erased customers are gone from
 * the table altogether.
 */
export const contactable = {
  email: `c.email IS NOT NULL AND (c.email_consent = 'granted' OR (c.email_consent = 'existing_customer' AND @existingBasis = 1))
    AND NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.email = lower(c.email))`,
  phone: `c.phone IS NOT NULL AND (c.phone_consent = 'granted' OR (c.phone_consent = 'existing_customer' AND @existingBasis = 1))`,
  /** Ad audiences: email consent granted, never only the existing-customer basis. */
  audience: `c.email IS NOT NULL AND c.email_consent = 'granted' AND NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.email = lower(c.email))`,
} as const
export type ContactChannel = keyof typeof contactable

/**
 * A reader of a segment's members in customer-id order, one chunk after a given id at a time
 * (the export reads a segment so: no statement stays open while the response waits for the
 * network). Prepared once per export. Optionally only those contactable on a channel.
 */
export function segmentMemberReader(db: Db, where: SegmentWhere, channel: ContactChannel | null, existingBasis: boolean) {
  const filter = channel ? ` AND ${contactable[channel]}` : ''
  const statement = prepare(db, `SELECT ${memberColumns} ${from} ${latestResponse} WHERE c.id > @afterId AND ${live} AND (${where.sql})${filter} ORDER BY c.id LIMIT @limit`).raw(true)
  const params = { ...where.params, ...(channel && { existingBasis: existingBasis ? 1 : 0 }) }
  return (afterId: number, limit: number) => statement.all({ ...params, afterId, limit }) as MemberTuple[]
}
