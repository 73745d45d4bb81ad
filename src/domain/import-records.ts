import { DAY_MS } from './time.ts'
import { z } from 'zod'

/**
 * The records of customers.csv and orders.csv (SPEC §3): column names, how each value is read,
 * and the zod schemas that turn one row (or one JSON API record) into a clean record.
 * A missing column or an empty cell means "no value given": imports keep what is stored.
 */

export type ImportKind = 'customers' | 'orders'

export const consentStatuses = ['granted', 'existing_customer', 'objected', 'unknown'] as const
export type Consent = (typeof consentStatuses)[number]
export const orderStatuses = ['completed', 'cancelled', 'returned'] as const
export type OrderStatus = (typeof orderStatuses)[number]
export const locales = ['de', 'en'] as const
export type Locale = (typeof locales)[number]

export const importColumns: Record<ImportKind, { required: readonly string[]; optional: readonly string[] }> = {
  customers: {
    required: ['customer_id'],
    optional: ['email', 'first_name', 'last_name', 'locale', 'email_consent', 'phone', 'phone_consent', 'created_at'],
  },
  orders: {
    required: ['order_id', 'customer_id', 'ordered_at', 'total'],
    optional: ['currency', 'items', 'coupon_code', 'status'],
  },
}

export interface HeaderMapping {
  /** For each position in the file: the known column it holds, or null when it is ignored. */
  columns: (string | null)[]
  unknown: string[]
  missing: string[]
  duplicated: string[]
}

export function normalizeColumnName(name: string): string {
  return name
    .replace(/^\uFEFF/, '')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_')
}

export function mapHeader(kind: ImportKind, header: readonly string[]): HeaderMapping {
  const { required, optional } = importColumns[kind]
  const known = new Set([...required, ...optional])
  const seen = new Set<string>()
  const unknown: string[] = []
  const duplicated: string[] = []
  const columns = header.map((raw) => {
    const name = normalizeColumnName(raw)
    if (!known.has(name)) {
      if (name !== '') unknown.push(raw.trim())
      return null
    }
    if (seen.has(name)) {
      duplicated.push(name)
      return null
    }
    seen.add(name)
    return name
  })
  return { columns, unknown, missing: required.filter((c) => !seen.has(c)), duplicated }
}

// ---- value readers: each returns the clean value or throws a message for the user ----

type Reader<T> = (s: string) => T

const consentAliases: Record<string, Consent> = {
  granted: 'granted',
  yes: 'granted',
  true: 'granted',
  '1': 'granted',
  ja: 'granted',
  existing_customer: 'existing_customer',
  'existing customer': 'existing_customer',
  bestandskunde: 'existing_customer',
  objected: 'objected',
  // "no" is read as an objection, never as "unknown": nobody who said no gets mail.
  no: 'objected',
  false: 'objected',
  '0': 'objected',
  nein: 'objected',
  unknown: 'unknown',
}

export const readConsent: Reader<Consent> = (s) => {
  const value = consentAliases[s.toLowerCase().replace(/-/g, '_')] ?? consentAliases[s.toLowerCase()]
  if (!value) throw new Error(`"${s}" is not a consent value (granted, existing_customer, objected, unknown, yes, no)`)
  return value
}

export const readLocale: Reader<Locale> = (s) => {
  const m = /^(de|en)(?:[-_][a-z]{2})?$/i.exec(s)
  if (!m) throw new Error(`"${s}" is not a supported locale (de or en)`)
  return m[1]!.toLowerCase() as Locale
}

const emailSchema = z.email()
export const readEmail: Reader<string> = (s) => {
  const at = s.lastIndexOf('@')
  const email = at > 0 ? s.slice(0, at) + '@' + s.slice(at + 1).toLowerCase() : s
  if (email.length > 254 || !emailSchema.safeParse(email).success) throw new Error(`"${s}" is not a valid email address`)
  return email
}

export const readPhone: Reader<string> = (s) => {
  if (!/^\+?[0-9][0-9 ()/.-]{3,31}$/.test(s)) throw new Error(`"${s}" is not a phone number`)
  return s
}

function readText(max: number): Reader<string> {
  return (s) => {
    if (s.length > max) throw new Error(`is longer than ${max} characters`)
    // Names, ids and items are one line: a line break or other control character is a broken export,
    // and would split a mail header, a CSV export or a log line later.
    if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(s)) throw new Error('contains a line break or another control character')
    if (s.includes('\uFFFD')) throw new Error('is not valid UTF-8 (save the file as UTF-8)')
    return s
  }
}

export const readId: Reader<string> = (s) => readText(64)(s)

const isoDate = /^(\d{4})-(\d{2})-(\d{2})$/
const germanDate = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/
const isoDateTime = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/i

/** ISO 8601 date or date-time, or DD.MM.YYYY, as a UTC ISO string. Dates without a zone are read as UTC. */
export function readDate(s: string, now = Date.now()): string {
  let y: number, mo: number, d: number, h = 0, mi = 0, sec = 0, ms = 0, offsetMin = 0
  let m = isoDate.exec(s)
  if (m) {
    ;[y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  } else if ((m = germanDate.exec(s))) {
    ;[d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])]
    if (m[4] !== undefined) [h, mi, sec] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)]
  } else if ((m = isoDateTime.exec(s))) {
    ;[y, mo, d, h, mi, sec] = [1, 2, 3, 4, 5, 6].map((i) => Number(m![i] ?? 0)) as [number, number, number, number, number, number]
    ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0
    const zone = m[8]
    if (zone && zone.toUpperCase() !== 'Z') {
      const z = /([+-])(\d{2}):?(\d{2})/.exec(zone)!
      offsetMin = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3]))
    }
  } else {
    throw new Error(`"${s}" is not a date (use YYYY-MM-DD, an ISO date-time or DD.MM.YYYY)`)
  }
  const t = Date.UTC(y, mo - 1, d, h, mi, sec, ms)
  const back = new Date(t)
  if (
    back.getUTCFullYear() !== y ||
    back.getUTCMonth() !== mo - 1 ||
    back.getUTCDate() !== d ||
    h > 23 ||
    mi > 59 ||
    sec > 59
  ) {
    throw new Error(`"${s}" is not a real date`)
  }
  if (y < 1900) throw new Error(`"${s}" is before 1900`)
  const utc = t - offsetMin * 60_000
  if (utc > now + DAY_MS) throw new Error(`"${s}" is in the future`)
  return new Date(utc).toISOString()
}

/** A decimal amount with `.` or German `,` as decimal separator, as integer hundredths. */
export function readAmountCents(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new Error(`${input} is not an amount of 0 or more`)
    const cents = Math.round(input * 100)
    if (Math.abs(cents - input * 100) > 1e-6) throw new Error(`${input} has more than 2 decimal places`)
    return cents
  }
  const s = input.replace(/\s/g, '')
  if (s.startsWith('-')) throw new Error(`"${input}" is negative`)
  const sep = Math.max(s.lastIndexOf('.'), s.lastIndexOf(','))
  let whole = s
  let fraction = ''
  if (sep >= 0) {
    whole = s.slice(0, sep)
    fraction = s.slice(sep + 1)
    if (!/^\d{1,2}$/.test(fraction)) {
      throw new Error(
        /^\d{3,}$/.test(fraction)
          ? `"${input}" has more than 2 decimal places (write amounts without thousands separators)`
          : `"${input}" is not an amount`,
      )
    }
    const thousands = s[sep] === ',' ? '.' : ','
    if (whole.includes(thousands)) {
      if (!new RegExp(`^\\d{1,3}(\\${thousands}\\d{3})+$`).test(whole)) throw new Error(`"${input}" is not an amount`)
      whole = whole.split(thousands).join('')
    }
  }
  if (!/^\d+$/.test(whole)) throw new Error(`"${input}" is not an amount`)
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, '0'))
  if (!Number.isSafeInteger(cents) || cents > 1e13) throw new Error(`"${input}" is too large`)
  return cents
}

export const readCurrency: Reader<string> = (s) => {
  if (!/^[A-Za-z]{3}$/.test(s)) throw new Error(`"${s}" is not an ISO 4217 currency code (e.g. EUR)`)
  return s.toUpperCase()
}

export const readItems: Reader<string> = (s) => {
  const items = s
    .split('|')
    .map((i) => i.trim())
    .filter((i) => i !== '')
  if (items.length > 100) throw new Error('has more than 100 items')
  for (const item of items) readText(200)(item)
  return items.join('|')
}

export const readCouponCode: Reader<string> = (s) => {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(s)) throw new Error(`"${s}" is not a coupon code (letters, digits, - and _)`)
  return s.toUpperCase()
}

const orderStatusAliases: Record<string, OrderStatus> = {
  completed: 'completed',
  complete: 'completed',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  returned: 'returned',
}
export const readOrderStatus: Reader<OrderStatus> = (s) => {
  const value = orderStatusAliases[s.toLowerCase()]
  if (!value) throw new Error(`"${s}" is not an order status (completed, cancelled, returned)`)
  return value
}

// ---- zod schemas: one row of a file, or one record of the JSON API ----

const textError = { error: (i: { input: unknown }) => (i.input === undefined ? 'is required' : 'must be text') }

function cell<T>(read: Reader<T>) {
  return z.string(textError).transform((s, ctx): T => {
    try {
      return read(s)
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message })
      return z.NEVER
    }
  })
}

const blankToUndefined = (v: unknown) => {
  if (v === null) return undefined
  if (typeof v === 'number') return String(v)
  if (typeof v !== 'string') return v
  const t = v.trim()
  return t === '' ? undefined : t
}
const required = <T>(read: Reader<T>) => z.preprocess(blankToUndefined, cell(read))
const optional = <T>(read: Reader<T>) => z.preprocess(blankToUndefined, cell(read).optional())

export const customerRecordSchema = z
  .object({
    customer_id: required(readId),
    email: optional(readEmail),
    first_name: optional(readText(100)),
    last_name: optional(readText(100)),
    locale: optional(readLocale),
    email_consent: optional(readConsent),
    phone: optional(readPhone),
    phone_consent: optional(readConsent),
    created_at: optional((s) => readDate(s)),
  })
  .transform((r) => ({
    externalId: r.customer_id,
    email: r.email,
    firstName: r.first_name,
    lastName: r.last_name,
    locale: r.locale,
    emailConsent: r.email_consent,
    phone: r.phone,
    phoneConsent: r.phone_consent,
    createdAt: r.created_at,
  }))

export const orderRecordSchema = z
  .object({
    order_id: required(readId),
    customer_id: required(readId),
    ordered_at: required((s) => readDate(s)),
    total: z.preprocess(
      (v) => (typeof v === 'number' ? v : blankToUndefined(v)),
      z.union([z.number(), z.string()], { error: (i) => (i.input === undefined ? 'is required' : 'must be an amount') }).transform((v, ctx) => {
        try {
          return readAmountCents(v)
        } catch (e) {
          ctx.addIssue({ code: 'custom', message: (e as Error).message })
          return z.NEVER
        }
      }),
    ),
    currency: optional(readCurrency),
    items: optional(readItems),
    coupon_code: optional(readCouponCode),
    status: optional(readOrderStatus),
  })
  .transform((r) => ({
    externalId: r.order_id,
    customerExternalId: r.customer_id,
    orderedAt: r.ordered_at,
    totalCents: r.total,
    currency: r.currency,
    items: r.items,
    couponCode: r.coupon_code,
    status: r.status,
  }))

export type CustomerRecord = z.output<typeof customerRecordSchema>
export type OrderRecord = z.output<typeof orderRecordSchema>
export type ImportRecord<K extends ImportKind> = K extends 'customers' ? CustomerRecord : OrderRecord

export const recordSchemas = { customers: customerRecordSchema, orders: orderRecordSchema } as const

export interface RowProblem {
  line: number
  column: string | null
  reason: string
}

/** Validate one row; problems name the column as the file does. */
export function parseRecord<K extends ImportKind>(
  kind: K,
  row: Record<string, unknown>,
  line: number,
): { record: ImportRecord<K> } | { problems: RowProblem[] } {
  const result = recordSchemas[kind].safeParse(row)
  if (result.success) return { record: result.data as ImportRecord<K> }
  return {
    problems: result.error.issues.map((issue) => ({
      line,
      column: issue.path.length > 0 ? String(issue.path[0]) : null,
      reason: issue.message,
    })),
  }
}
