import { DAY_MS } from './time.ts'
import { AppError, inEnglish, note, type Note } from './errors.ts'
import type { MessageKey, MessageParams } from './i18n.ts'
import { createHash } from 'node:crypto'
import { z } from 'zod'

/**
 * The records of customers.csv, orders.csv and events.csv (SPEC §3): column names, how each value is read,
 * and the column readers that turn one row (or one JSON API record) into a clean record.
 * A missing column or an empty cell means "no value given": imports keep what is stored.
 */

export const importKinds = ['customers', 'orders', 'events'] as const
export type ImportKind = (typeof importKinds)[number]

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
  events: {
    required: ['customer_id', 'occurred_at', 'kind'],
    optional: ['event_id', 'note'],
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

/** A value a reader refuses: the message names it, in the reader's language. */
function bad(key: MessageKey, value: string, params: MessageParams = {}): never {
  throw new AppError(note(key, { value, ...params }))
}

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
  if (!value) bad('import.consent', s)
  return value
}

export const readLocale: Reader<Locale> = (s) => {
  const m = /^(de|en)(?:[-_][a-z]{2})?$/i.exec(s)
  if (!m) bad('import.locale', s)
  return m[1]!.toLowerCase() as Locale
}

const emailSchema = z.email()
export const readEmail: Reader<string> = (s) => {
  const at = s.lastIndexOf('@')
  const email = at > 0 ? s.slice(0, at) + '@' + s.slice(at + 1).toLowerCase() : s
  if (email.length > 254 || !emailSchema.safeParse(email).success) bad('import.email', s)
  return email
}

export const readPhone: Reader<string> = (s) => {
  if (!/^\+?[0-9][0-9 ()/.-]{3,31}$/.test(s)) bad('import.phone', s)
  return s
}

function readText(max: number): Reader<string> {
  return (s) => {
    if (s.length > max) bad('import.tooLong', '', { max })
    // Names, ids and items are one line: a line break or other control character is a broken export,
    // and would split a mail header, a CSV export or a log line later.
    if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(s)) bad('import.control', '')
    if (s.includes('\uFFFD')) bad('import.utf8', '')
    return s
  }
}

export const readId: Reader<string> = readText(64)

const isoDate = /^(\d{4})-(\d{2})-(\d{2})$/
const germanDate = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/
const isoDateTime = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/i

/** ISO 8601 date or date-time, or DD.MM.YYYY, as a UTC ISO string. Dates without a zone are read as UTC. */
export function readDate(s: string, now = Date.now()): string {
  // The common case of a large export, a plain YYYY-MM-DD, without building a Date (a million
  // order dates took a second the long way).
  if (s.length === 10 && isoDate.test(s)) {
    const [y, mo, d] = [Number(s.slice(0, 4)), Number(s.slice(5, 7)), Number(s.slice(8, 10))]
    if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) bad('import.realDate', s)
    if (y < 1900) bad('import.before1900', s)
    if (Date.UTC(y, mo - 1, d) > now + DAY_MS) bad('import.future', s)
    return `${s}T00:00:00.000Z`
  }
  let y: number, mo: number, d: number, h = 0, mi = 0, sec = 0, ms = 0, offsetMin = 0
  let m: RegExpExecArray | null
  if ((m = germanDate.exec(s))) {
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
    bad('import.date', s)
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
    bad('import.realDate', s)
  }
  if (y < 1900) bad('import.before1900', s)
  const utc = t - offsetMin * 60_000
  if (utc > now + DAY_MS) bad('import.future', s)
  return new Date(utc).toISOString()
}

const daysInMonth = (y: number, mo: number) => (mo === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(mo) ? 30 : 31)

/** A decimal amount with `.` or German `,` as decimal separator, as integer hundredths. */
export function readAmountCents(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) bad('import.amountNegative', String(input))
    const cents = Math.round(input * 100)
    if (Math.abs(cents - input * 100) > 1e-6) bad('import.decimals', String(input))
    return cents
  }
  const s = input.replace(/\s/g, '')
  if (s.startsWith('-')) bad('import.negative', input)
  const sep = Math.max(s.lastIndexOf('.'), s.lastIndexOf(','))
  let whole = s
  let fraction = ''
  if (sep >= 0) {
    whole = s.slice(0, sep)
    fraction = s.slice(sep + 1)
    if (!/^\d{1,2}$/.test(fraction)) {
      bad(/^\d{3,}$/.test(fraction) ? 'import.decimalsThousands' : 'import.amount', input)
    }
    const thousands = s[sep] === ',' ? '.' : ','
    if (whole.includes(thousands)) {
      if (!new RegExp(`^\\d{1,3}(\\${thousands}\\d{3})+$`).test(whole)) bad('import.amount', input)
      whole = whole.split(thousands).join('')
    }
  }
  if (!/^\d+$/.test(whole)) bad('import.amount', input)
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, '0'))
  if (!Number.isSafeInteger(cents) || cents > 1e13) bad('import.tooLarge', input)
  return cents
}

export const readCurrency: Reader<string> = (s) => {
  if (!/^[A-Za-z]{3}$/.test(s)) bad('import.currency', s)
  return s.toUpperCase()
}

const readItem = readText(200)
export const readItems: Reader<string> = (s) => {
  const items = s
    .split('|')
    .map((i) => i.trim())
    .filter((i) => i !== '')
  if (items.length > 100) bad('import.items', '')
  for (const item of items) readItem(item)
  return items.join('|')
}

export const readCouponCode: Reader<string> = (s) => {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(s)) bad('import.coupon', s)
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
  if (!value) bad('import.status', s)
  return value
}

export const eventKinds = ['complaint', 'late_payment', 'return', 'support_contact', 'cancellation', 'other'] as const
export type EventKind = (typeof eventKinds)[number]
const eventKindAliases: Record<string, EventKind> = {
  complaint: 'complaint',
  beschwerde: 'complaint',
  reklamation: 'complaint',
  late_payment: 'late_payment',
  zahlungsverzug: 'late_payment',
  mahnung: 'late_payment',
  return: 'return',
  retoure: 'return',
  support_contact: 'support_contact',
  support: 'support_contact',
  kontakt: 'support_contact',
  cancellation: 'cancellation',
  kündigung: 'cancellation',
  storno: 'cancellation',
  other: 'other',
  sonstiges: 'other',
}
/** An event's kind, in English or as German service teams write it (Beschwerde, Zahlungsverzug, Retoure, …). */
export const readEventKind: Reader<EventKind> = (s) => {
  const value = eventKindAliases[s.toLowerCase().replace(/[\s-]+/g, '_')]
  if (!value) bad('import.eventKind', s, { kinds: eventKinds.join(', ') })
  return value
}

// ---- one row of a file (or one record of the JSON API): a reader per column ----

/**
 * The columns of each kind with their readers: one table, read cell by cell. (A zod schema per row
 * did the same through several layers of wrappers and cost a fifth of a large import.)
 */
interface Cell {
  read: Reader<unknown>
  required: boolean
}
const req = (read: Reader<unknown>): Cell => ({ read, required: true })
const opt = (read: Reader<unknown>): Cell => ({ read, required: false })

const customerCells = {
  customer_id: req(readId),
  email: opt(readEmail),
  first_name: opt(readText(100)),
  last_name: opt(readText(100)),
  locale: opt(readLocale),
  email_consent: opt(readConsent),
  phone: opt(readPhone),
  phone_consent: opt(readConsent),
  created_at: opt((s) => readDate(s)),
} satisfies Record<string, Cell>

const orderCells = {
  order_id: req(readId),
  customer_id: req(readId),
  ordered_at: req((s) => readDate(s)),
  total: req(readAmountCents),
  currency: opt(readCurrency),
  items: opt(readItems),
  coupon_code: opt(readCouponCode),
  status: opt(readOrderStatus),
} satisfies Record<string, Cell>

const eventCells = {
  event_id: opt(readId),
  customer_id: req(readId),
  occurred_at: req((s) => readDate(s)),
  kind: req(readEventKind),
  note: opt(readText(500)),
} satisfies Record<string, Cell>

export interface CustomerRecord {
  externalId: string
  email: string | undefined
  firstName: string | undefined
  lastName: string | undefined
  locale: Locale | undefined
  emailConsent: Consent | undefined
  phone: string | undefined
  phoneConsent: Consent | undefined
  createdAt: string | undefined
}

export interface OrderRecord {
  externalId: string
  customerExternalId: string
  orderedAt: string
  totalCents: number
  currency: string | undefined
  items: string | undefined
  couponCode: string | undefined
  status: OrderStatus | undefined
}

export interface EventRecord {
  /** The file's event_id, or one made from the row (customer, time, kind, note): a file imported twice adds nothing. */
  externalId: string
  customerExternalId: string
  occurredAt: string
  kind: EventKind
  note: string | undefined
}

export type ImportRecord<K extends ImportKind> = K extends 'customers' ? CustomerRecord : K extends 'orders' ? OrderRecord : EventRecord

const records = {
  customers: {
    cells: customerCells,
    build: (v: Record<string, unknown>): CustomerRecord => ({
      externalId: v.customer_id as string,
      email: v.email as string | undefined,
      firstName: v.first_name as string | undefined,
      lastName: v.last_name as string | undefined,
      locale: v.locale as Locale | undefined,
      emailConsent: v.email_consent as Consent | undefined,
      phone: v.phone as string | undefined,
      phoneConsent: v.phone_consent as Consent | undefined,
      createdAt: v.created_at as string | undefined,
    }),
  },
  orders: {
    cells: orderCells,
    build: (v: Record<string, unknown>): OrderRecord => ({
      externalId: v.order_id as string,
      customerExternalId: v.customer_id as string,
      orderedAt: v.ordered_at as string,
      totalCents: v.total as number,
      currency: v.currency as string | undefined,
      items: v.items as string | undefined,
      couponCode: v.coupon_code as string | undefined,
      status: v.status as OrderStatus | undefined,
    }),
  },
  events: {
    cells: eventCells,
    build: (v: Record<string, unknown>): EventRecord => ({
      externalId:
        (v.event_id as string | undefined) ??
        `row:${createHash('sha256').update(JSON.stringify([v.customer_id, v.occurred_at, v.kind, v.note ?? ''])).digest('base64url').slice(0, 32)}`,
      customerExternalId: v.customer_id as string,
      occurredAt: v.occurred_at as string,
      kind: v.kind as EventKind,
      note: v.note as string | undefined,
    }),
  },
} as const

const cellEntries = Object.fromEntries(importKinds.map((k) => [k, Object.entries(records[k].cells) as [string, Cell][]])) as Record<ImportKind, [string, Cell][]>

export interface RowProblem {
  line: number
  column: string | null
  /** In English, for the command line; `note` is the same for a reader in their language. */
  reason: string
  note?: Note
}

export const rowProblem = (line: number, column: string | null, n: Note): RowProblem => ({ line, column, reason: inEnglish(n), note: n })

/**
 * Validate one row; problems name the column as the file does. Cells are trimmed and an empty
 * cell is no value; a number (from JSON) is read as its text.
 */
export function parseRecord<K extends ImportKind>(
  kind: K,
  row: Record<string, unknown>,
  line: number,
): { record: ImportRecord<K> } | { problems: RowProblem[] } {
  const { build } = records[kind]
  const values: Record<string, unknown> = {}
  let problems: RowProblem[] | undefined
  for (const [column, cell] of cellEntries[kind]) {
    const raw = row[column]
    const text = raw === undefined || raw === null ? '' : typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : undefined
    if (text === undefined) {
      ;(problems ??= []).push(rowProblem(line, column, note('import.text')))
    } else if (text === '') {
      if (cell.required) (problems ??= []).push(rowProblem(line, column, note('v.required')))
    } else {
      try {
        values[column] = cell.read(text)
      } catch (e) {
        ;(problems ??= []).push(e instanceof AppError ? rowProblem(line, column, e.note) : { line, column, reason: (e as Error).message })
      }
    }
  }
  return problems ? { problems } : { record: build(values) as ImportRecord<K> }
}
