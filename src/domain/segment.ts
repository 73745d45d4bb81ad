import { z } from 'zod'
import { DAY_MS } from './time.ts'
import { AppError, note } from './errors.ts'
import { churnReasons } from './survey.ts'

/**
 * Segments (SPEC §9): a rule tree over customer facts, kept as versioned JSON and compiled to
 * one parameterised SQL condition through a single registry of fields. Values are always bound
 * parameters, never part of the SQL text; a relative date ("more than 90 days ago") is stored
 * as a number of days and turned into an instant only when the segment runs.
 *
 * The SQL is a condition over `customers c` and `customer_analysis a` (LEFT JOINed), with
 * correlated subqueries for answers, campaigns and rewards.
 */

export const SEGMENT_VERSION = 1
export const MAX_DEPTH = 3
export const MAX_CONDITIONS = 50

type FieldType = 'enum' | 'number' | 'money' | 'percent' | 'days_ago' | 'flag'

const numberOps = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte'] as const
const enumOps = ['is', 'is_not'] as const
const dayOps = ['more_than', 'less_than'] as const
const flagOps = ['yes', 'no'] as const
type Operator = (typeof numberOps)[number] | (typeof enumOps)[number] | (typeof dayOps)[number] | (typeof flagOps)[number]

export interface FieldDef {
  type: FieldType
  /** SQL expression over `c` and `a`; for a flag, a condition. */
  sql: string
  ops: readonly Operator[]
  /** The allowed values of an enum field. */
  values?: readonly string[]
  /** For numbers: the smallest and largest value that makes sense. */
  min?: number
  max?: number
}

/** The latest completed response of the customer, one column of it. */
const latest = (column: string) =>
  `(SELECT r.${column} FROM responses r WHERE r.customer_id = c.id AND r.status = 'complete' ORDER BY r.completed_at DESC, r.id DESC LIMIT 1)`

const reasonValues = churnReasons.map((r) => r.value)
const consentValues = ['granted', 'existing_customer', 'objected', 'unknown'] as const

/** Every field a rule may use: its SQL, its type and its operators. The one place a field is defined. */
export const segmentFields = {
  lapse_status: { type: 'enum', sql: `coalesce(a.lapse_status, 'none')`, ops: enumOps, values: ['active', 'at_risk', 'lapsed', 'lost', 'none'] },
  days_since_last_order: { type: 'number', sql: 'a.days_since_last', ops: numberOps, min: 0, max: 100_000 },
  last_order: { type: 'days_ago', sql: 'a.last_order_at', ops: dayOps, min: 0, max: 100_000 },
  orders: { type: 'number', sql: 'a.orders', ops: numberOps, min: 0, max: 10_000_000 },
  spend: { type: 'money', sql: 'a.spend_cents', ops: numberOps, min: 0, max: 1e13 },
  clv: { type: 'money', sql: 'a.clv_cents', ops: numberOps, min: -1e13, max: 1e13 },
  p_alive: { type: 'percent', sql: 'a.p_alive', ops: numberOps, min: 0, max: 100 },
  priority: { type: 'money', sql: 'a.priority_cents', ops: numberOps, min: -1e13, max: 1e13 },
  r_score: { type: 'number', sql: 'a.r_score', ops: numberOps, min: 1, max: 5 },
  f_score: { type: 'number', sql: 'a.f_score', ops: numberOps, min: 1, max: 5 },
  m_score: { type: 'number', sql: 'a.m_score', ops: numberOps, min: 1, max: 5 },
  early_warning: { type: 'flag', sql: 'a.early_warning IS NOT NULL', ops: flagOps },
  // `+e.kind` keeps the planner on the customer's events: left to itself (no statistics) it could
  // walk every late payment of the shop for each customer through the index on kind.
  last_complaint: { type: 'days_ago', sql: `(SELECT max(e.occurred_at) FROM events e WHERE e.customer_id = c.id AND +e.kind = 'complaint')`, ops: dayOps, min: 0, max: 100_000 },
  late_payments: { type: 'number', sql: `(SELECT count(*) FROM events e WHERE e.customer_id = c.id AND +e.kind = 'late_payment')`, ops: numberOps, min: 0, max: 100_000 },
  main_reason: { type: 'enum', sql: latest('main_reason'), ops: enumOps, values: reasonValues },
  any_reason: { type: 'enum', sql: '', ops: enumOps, values: reasonValues },
  nps_category: {
    type: 'enum',
    sql: `(SELECT CASE WHEN n IS NULL THEN 'none' WHEN n >= 9 THEN 'promoter' WHEN n >= 7 THEN 'passive' ELSE 'detractor' END FROM (SELECT ${latest('nps')} AS n))`,
    ops: enumOps,
    values: ['promoter', 'passive', 'detractor', 'none'],
  },
  csat: { type: 'number', sql: latest('csat'), ops: numberOps, min: 1, max: 5 },
  ces: { type: 'number', sql: latest('ces'), ops: numberOps, min: 1, max: 7 },
  locale: { type: 'enum', sql: 'c.locale', ops: enumOps, values: ['de', 'en'] },
  email_consent: { type: 'enum', sql: 'c.email_consent', ops: enumOps, values: consentValues },
  phone_consent: { type: 'enum', sql: 'c.phone_consent', ops: enumOps, values: consentValues },
  in_campaign: { type: 'flag', sql: `EXISTS (SELECT 1 FROM campaign_members m JOIN campaigns k ON k.id = m.campaign_id WHERE m.customer_id = c.id AND k.kind = 'campaign')`, ops: flagOps },
  mailed: { type: 'flag', sql: `EXISTS (SELECT 1 FROM campaign_members m WHERE m.customer_id = c.id AND m.mails_sent > 0)`, ops: flagOps },
  answered: { type: 'flag', sql: `EXISTS (SELECT 1 FROM responses r WHERE r.customer_id = c.id AND r.status = 'complete')`, ops: flagOps },
  reward: {
    type: 'enum',
    sql: '',
    ops: enumOps,
    values: ['granted', 'redeemed', 'expired'],
  },
  bought_after_campaign: {
    type: 'flag',
    // A completed order after the customer's first campaign mail.
    sql: `EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.status = 'completed'
            AND o.ordered_at > (SELECT min(g.sent_at) FROM messages g WHERE g.customer_id = c.id AND g.kind = 'invitation' AND g.status = 'sent'))`,
    ops: flagOps,
  },
} as const satisfies Record<string, FieldDef>

export type SegmentField = keyof typeof segmentFields
export const segmentFieldNames = Object.keys(segmentFields) as SegmentField[]

export interface Condition {
  field: string
  op: string
  value?: string | number | null
}
export interface Group {
  match: 'all' | 'any'
  rules: (Condition | Group)[]
}
export interface SegmentRules {
  version: number
  root: Group
}

const conditionSchema = z.object({ field: z.string().max(40), op: z.string().max(20), value: z.union([z.string().max(200), z.number(), z.null()]).optional() })
const groupSchema: z.ZodType<Group> = z.lazy(() => z.object({ match: z.enum(['all', 'any']), rules: z.array(z.union([groupSchema, conditionSchema])).max(MAX_CONDITIONS) }))
export const segmentRulesSchema = z.object({ version: z.literal(SEGMENT_VERSION), root: groupSchema })

export const isGroup = (r: Condition | Group): r is Group => 'rules' in r

/** A refused rule: the message names the field, operator or value, in the reader's language. */
const refuse = (key: Parameters<typeof note>[0], params: Record<string, string | number>) => new AppError(note(key, params))

/**
 * Check a rule tree against the registry: known fields, their operators, values of the right
 * type and range, the depth and the number of conditions. Returns the tree with values in
 * their stored form (numbers as numbers); throws an AppError naming what is wrong.
 */
export function checkRules(input: unknown): SegmentRules {
  const parsed = segmentRulesSchema.safeParse(input)
  if (!parsed.success) throw refuse('rules.badTree', {})
  let conditions = 0
  const check = (g: Group, depth: number): Group => {
    if (depth > MAX_DEPTH) throw refuse('rules.tooDeep', { max: MAX_DEPTH })
    return {
      match: g.match,
      rules: g.rules.map((r) => {
        if (isGroup(r)) return check(r, depth + 1)
        if (++conditions > MAX_CONDITIONS) throw refuse('rules.tooMany', { max: MAX_CONDITIONS })
        return checkCondition(r)
      }),
    }
  }
  return { version: SEGMENT_VERSION, root: check(parsed.data.root, 1) }
}

function checkCondition(c: Condition): Condition {
  if (!Object.hasOwn(segmentFields, c.field)) throw refuse('rules.unknownField', { field: c.field })
  const def: FieldDef = segmentFields[c.field as SegmentField]
  if (!(def.ops as readonly string[]).includes(c.op)) throw refuse('rules.unknownOp', { field: c.field, op: c.op })
  if (def.type === 'flag') return { field: c.field, op: c.op }
  if (def.type === 'enum') {
    const v = typeof c.value === 'string' ? c.value : ''
    if (!def.values!.includes(v)) throw refuse('rules.badValue', { field: c.field, value: String(c.value ?? '') })
    return { field: c.field, op: c.op, value: v }
  }
  // Numbers: typed with a decimal comma or point; money in whole currency units.
  const raw = typeof c.value === 'number' ? c.value : typeof c.value === 'string' && c.value.trim() !== '' ? Number(c.value.trim().replace(',', '.')) : NaN
  if (!Number.isFinite(raw) || raw < def.min! || raw > def.max! || ((def.type === 'number' || def.type === 'days_ago') && !Number.isInteger(raw))) {
    throw refuse('rules.badNumber', { field: c.field, value: String(c.value ?? ''), min: def.min!, max: def.max! })
  }
  return { field: c.field, op: c.op, value: raw }
}

const comparison: Record<(typeof numberOps)[number], string> = { eq: '=', ne: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' }

/**
 * The tree as one SQL condition and its parameters, resolved at `now` (relative dates). Values
 * are bound as @p0, @p1, …; nothing from the tree but registry entries enters the SQL text.
 */
export function compileRules(rules: SegmentRules, now: Date = new Date()): { sql: string; params: Record<string, string | number>; analysisOnly: boolean } {
  const params: Record<string, string | number> = {}
  const bind = (v: string | number) => {
    const name = `p${Object.keys(params).length}`
    params[name] = v
    return `@${name}`
  }
  const condition = (c: Condition): string => {
    const def: FieldDef = segmentFields[c.field as SegmentField]
    switch (def.type) {
      case 'flag':
        return c.op === 'yes' ? `(${def.sql})` : `NOT (${def.sql})`
      case 'enum': {
        const v = bind(c.value as string)
        let test: string
        if (c.field === 'lapse_status') {
          // Written so that the index on the status serves it: "none" is "no analysis row".
          if (c.value === 'none') return c.op === 'is' ? 'a.customer_id IS NULL' : 'a.customer_id IS NOT NULL'
          return c.op === 'is' ? `a.lapse_status = ${v}` : `a.lapse_status IS NOT ${v}`
        } else if (c.field === 'any_reason') {
          test = `EXISTS (SELECT 1 FROM responses r WHERE r.customer_id = c.id AND r.status = 'complete' AND instr(r.reasons, '|' || ${v} || '|') > 0)`
        } else if (c.field === 'reward') {
          test = rewardTest(v)
        } else {
          return c.op === 'is' ? `${def.sql} = ${v}` : `${def.sql} IS NOT ${v}`
        }
        return c.op === 'is' ? test : `NOT ${test}`
      }
      case 'days_ago': {
        const cutoff = bind(new Date(now.getTime() - (c.value as number) * DAY_MS).toISOString())
        return c.op === 'more_than' ? `${def.sql} < ${cutoff}` : `${def.sql} >= ${cutoff}`
      }
      default: {
        // Money is typed in currency units and stored in cents; P(alive) typed in percent, stored as a share.
        const n = c.value as number
        const stored = def.type === 'money' ? Math.round(n * 100) : def.type === 'percent' ? n / 100 : n
        return `${def.sql} ${comparison[c.op as keyof typeof comparison]} ${bind(stored)}`
      }
    }
  }
  const group = (g: Group): string => {
    if (g.rules.length === 0) return g.match === 'all' ? '1' : '0'
    const parts = g.rules.map((r) => (isGroup(r) ? group(r) : condition(r)))
    return `(${parts.join(g.match === 'all' ? ' AND ' : ' OR ')})`
  }
  return { sql: group(rules.root), params, analysisOnly: requiresAnalysis(rules.root) && !usesCustomerColumns(rules.root) }
}

/** Fields read from the customers table itself (every other field reads the analysis or the customer's id). */
const customerColumnFields = new Set(['locale', 'email_consent', 'phone_consent'])

const usesCustomerColumns = (g: Group): boolean => g.rules.some((r) => (isGroup(r) ? usesCustomerColumns(r) : customerColumnFields.has(r.field)))

/** True when no customer without an analysis row can match the condition (a comparison with an unknown value is never true). */
function conditionRequiresAnalysis(c: Condition): boolean {
  const def: FieldDef = segmentFields[c.field as SegmentField]
  if (c.field === 'lapse_status') return c.op === 'is' ? c.value !== 'none' : c.value === 'none'
  if (c.field === 'early_warning') return c.op === 'yes'
  return def.sql.startsWith('a.') && def.type !== 'flag' && def.type !== 'enum'
}

function requiresAnalysis(g: Group): boolean {
  const needs = g.rules.map((r) => (isGroup(r) ? requiresAnalysis(r) : conditionRequiresAnalysis(r)))
  return g.match === 'all' ? needs.some(Boolean) : needs.length > 0 && needs.every(Boolean)
}

function rewardTest(v: string): string {
  return `EXISTS (SELECT 1 FROM rewards w LEFT JOIN coupons k ON k.id = w.coupon_id WHERE w.customer_id = c.id AND (
    ${v} = 'granted'
    OR (${v} = 'redeemed' AND k.redeemed_at IS NOT NULL)
    OR (${v} = 'expired' AND k.redeemed_at IS NULL AND k.expires_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))))`
}

/** Segments the app keeps up to date itself: one per churn reason, and three about campaigns. */
export const builtInSegments: { slug: string; rules: SegmentRules; reason?: string }[] = [
  ...reasonValues.map((reason) => ({
    slug: `reason-${reason.replace(/_/g, '-')}`,
    reason,
    rules: { version: SEGMENT_VERSION, root: { match: 'all' as const, rules: [{ field: 'main_reason', op: 'is', value: reason }] } },
  })),
  { slug: 'won-back', rules: { version: SEGMENT_VERSION, root: { match: 'all', rules: [{ field: 'bought_after_campaign', op: 'yes' }] } } },
  {
    slug: 'answered-not-bought',
    rules: { version: SEGMENT_VERSION, root: { match: 'all', rules: [{ field: 'answered', op: 'yes' }, { field: 'bought_after_campaign', op: 'no' }] } },
  },
  { slug: 'mailed-no-answer', rules: { version: SEGMENT_VERSION, root: { match: 'all', rules: [{ field: 'mailed', op: 'yes' }, { field: 'answered', op: 'no' }] } } },
]
