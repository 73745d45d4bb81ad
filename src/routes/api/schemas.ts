import { z } from 'zod'
import { eventKinds } from '../../domain/import-records.ts'

/**
 * The JSON API's shapes (SPEC §12). The routes validate with these, and the OpenAPI document is
 * generated from them (openapi.ts): one source for both. Records use the CSV files' column names
 * and go through the same readers as an import, which name each bad value.
 */
export const MAX_BATCH = 10_000

const text = z.string().max(5000)
const cell = z.union([z.string().max(5000), z.number()]).nullish()

export const customerRecord = z
  .object({
    customer_id: z.union([z.string().max(64), z.number()]).describe('Your id of the customer'),
    email: text.nullish(),
    first_name: text.nullish(),
    last_name: text.nullish(),
    locale: text.nullish().describe('de or en'),
    email_consent: text.nullish().describe('granted, existing_customer, objected, unknown'),
    phone: text.nullish(),
    phone_consent: text.nullish(),
    created_at: text.nullish().describe('ISO 8601'),
  })
  .strict()

export const orderRecord = z
  .object({
    order_id: z.union([z.string().max(64), z.number()]),
    customer_id: z.union([z.string().max(64), z.number()]),
    ordered_at: text.describe('ISO 8601'),
    total: z.union([z.string().max(40), z.number()]).describe('12.50 or "12,50"'),
    currency: text.nullish(),
    items: text.nullish().describe('Names joined by |'),
    coupon_code: text.nullish().describe('A Comeback coupon this order redeems'),
    status: text.nullish().describe('completed, cancelled, returned'),
  })
  .strict()

export const eventRecord = z
  .object({
    event_id: cell,
    customer_id: z.union([z.string().max(64), z.number()]),
    occurred_at: text.describe('ISO 8601'),
    kind: text.describe(eventKinds.join(', ')),
    note: text.nullish(),
  })
  .strict()

export const batchOf = <T extends z.ZodType>(record: T) => z.array(record).min(1).max(MAX_BATCH)

export const batchResult = z.object({
  inserted: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  couponsRedeemed: z.number().int().optional(),
  couponsRefused: z.number().int().optional(),
})

/** RFC 9457 problem details; `errors` names each bad record (its index in the batch) and field. */
export const problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  errors: z.array(z.object({ record: z.number().int().nullable(), field: z.string().nullable(), reason: z.string() })).optional(),
})

export const customerParams = z.object({ customer_id: z.string().min(1).max(64) })

const nullableNumber = z.number().nullable()
export const customerView = z.object({
  customer_id: z.string(),
  email: z.string().nullable(),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  locale: z.string(),
  email_consent: z.string(),
  phone_consent: z.string(),
  created_at: z.string().nullable(),
  analysis: z
    .object({
      as_of: z.string(),
      orders: z.number().int(),
      spend_cents: z.number().int(),
      last_order_at: z.string(),
      lapse_status: z.string(),
      early_warning: z.string().nullable(),
      p_alive: nullableNumber,
      expected_purchases_365: nullableNumber,
      clv_cents: nullableNumber,
      value_if_won_cents: nullableNumber,
      priority_cents: nullableNumber,
    })
    .nullable(),
  answers: z.array(
    z.object({ completed_at: z.string().nullable(), status: z.string(), main_reason: z.string().nullable(), nps: nullableNumber, csat: nullableNumber, ces: nullableNumber, answers: z.record(z.string(), z.unknown()) }),
  ),
  consent_history: z.array(z.object({ at: z.string(), channel: z.string(), status: z.string(), previous_status: z.string().nullable(), source: z.string() })),
  points: z.number().int(),
  coupons: z.array(z.object({ code: z.string(), kind: z.string(), value: z.number(), currency: z.string(), expires_at: z.string(), redeemed_at: z.string().nullable() })),
})

export const segmentList = z.array(z.object({ id: z.string(), name: z.string(), built_in: z.boolean() }))

const rows = z.array(z.record(z.string(), z.unknown()))
export const customerExport = z.object({
  exportedAt: z.string(),
  customer: z.record(z.string(), z.unknown()),
  analysis: z.record(z.string(), z.unknown()).optional(),
  orders: rows,
  events: rows,
  responses: rows,
  consentEvents: rows,
  optInRequests: rows,
  campaigns: rows,
  mails: rows,
  rewards: rows,
  points: rows,
})

export const erased = z.object({ erased: z.literal(true) })

export const couponCreate = z
  .object({
    customer_id: z.string().max(64).optional().describe('Whose coupon it is, if anyone’s'),
    percent: z.number().int().min(1).max(100).optional(),
    amount_cents: z.number().int().min(1).max(10_000_000).optional(),
    currency: z.string().regex(/^[A-Z]{3}$/).optional(),
    min_order_cents: z.number().int().min(0).max(10_000_000).optional(),
    valid_days: z.number().int().min(1).max(3650).optional(),
    prefix: z.string().regex(/^[A-Z0-9]{0,8}$/).optional(),
  })
  .strict()
  .refine((c) => (c.percent === undefined) !== (c.amount_cents === undefined), 'a coupon is either a percent or an amount_cents')

export const couponView = z.object({ code: z.string(), kind: z.string(), value: z.number(), currency: z.string(), min_order_cents: z.number().int(), expires_at: z.string(), redeemed_at: z.string().nullable(), redeemed_order: z.string().nullable() })
export const codeParams = z.object({ code: z.string().min(1).max(64) })
export const redeemBody = z.object({ order_id: z.string().max(64).optional(), total_cents: z.number().int().min(0).optional(), currency: z.string().regex(/^[A-Z]{3}$/).optional() }).strict()

export const pointsView = z.object({
  balance: z.number().int(),
  tier: z.string(),
  next: z.object({ tier: z.string(), missing: z.number().int() }).nullable(),
  ledger: z.array(z.object({ kind: z.string(), points: z.number().int(), reason: z.string(), created_at: z.string() })),
})

export const suppressionRecord = z.object({ email: z.string().max(254), reason: z.enum(['bounced', 'complained', 'unsubscribed']) }).strict()
export const suppressionResult = z.object({ suppressed: z.number().int(), customersObjected: z.number().int() })

export const linkBody = z.object({ customer_id: z.string().min(1).max(64) }).strict()
export const linkView = z.object({ url: z.string(), expires_at: z.string() })

export const segmentParams = z.object({ id: z.string().regex(/^[a-z0-9-]{1,40}$/) })
export const segmentExportQuery = z.object({
  format: z.enum(['ndjson', 'csv']).default('ndjson'),
  purpose: z.enum(['analysis', 'contact-email', 'contact-phone']).default('analysis'),
})
