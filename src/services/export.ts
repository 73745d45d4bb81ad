import { createHash } from 'node:crypto'
import { once } from 'node:events'
import type { Writable } from 'node:stream'
import { stringify } from 'csv-stringify'
import type { Db } from '../db/client.ts'
import type { Translate } from '../domain/i18n.ts'
import { addAuditEntry } from '../repos/audit.ts'
import { memberIndex as I, segmentMemberReader, type ContactChannel, type MemberTuple, type SegmentMemberRow } from '../repos/segments.ts'
import { segmentWhere, type SegmentRef } from './segments.ts'
import { getMailSettings, getOffers, type Offers } from './settings.ts'
import { freeTextsOf } from './surveys.ts'

/**
 * Exports of a segment (SPEC §9): a CSV for colleagues (UTF-8 with BOM, `;` or `,`), or an ad
 * audience in the formats of Meta Custom Audiences and Google Customer Match (hashed). Streamed
 * in chunks of customers, so any size fits in flat memory; every export is audited.
 */
export const exportPurposes = ['analysis', 'contact-email', 'contact-phone'] as const
export type ExportPurpose = (typeof exportPurposes)[number]
export const exportFormats = ['csv', 'meta', 'google', 'ndjson'] as const
export type ExportFormat = (typeof exportFormats)[number]

export interface ExportOptions {
  purpose: ExportPurpose
  format: ExportFormat
  delimiter: ';' | ','
  actor: string
  /** The reader's language, for the suggested offers. */
  t: Translate
}

const CHUNK = 2000

/**
 * A cell a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR) gets a
 * leading apostrophe, so it shows as the text it is. Numbers are written as numbers.
 */
export function neutralise(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex')

/** The country of a customer for ad audiences: from their language (de → DE), the only hint there is. */
const countryOf = (locale: string) => (locale === 'en' ? 'gb' : 'de')
const callingCode: Record<string, string> = { de: '49', gb: '44' }

/** A phone number as digits with the country code: `0179 123` in Germany → `49179123`; `+44 20 …` → `4420…`. */
export function phoneDigits(phone: string | null, country: string): string {
  if (!phone) return ''
  const trimmed = phone.trim()
  const digits = trimmed.replace(/\D/g, '')
  if (trimmed.startsWith('+')) return digits
  if (digits.startsWith('00')) return digits.slice(2)
  return digits.startsWith('0') ? callingCode[country] + digits.slice(1) : digits
}

const normalise = (s: string | null) => (s ?? '').trim().toLowerCase()

/** Meta Custom Audiences: every identifier normalised and SHA-256 hashed. */
export function metaRow(m: Pick<SegmentMemberRow, 'email' | 'phone' | 'firstName' | 'lastName' | 'locale'>): string[] {
  const country = countryOf(m.locale)
  const hashed = (s: string) => (s === '' ? '' : sha256(s))
  return [hashed(normalise(m.email)), hashed(phoneDigits(m.phone, country)), hashed(normalise(m.firstName)), hashed(normalise(m.lastName)), hashed(country)]
}

/** Google Customer Match: lower-cased, whitespace removed, SHA-256; phone in E.164 (with +) before hashing; country and zip in clear. */
export function googleRow(m: Pick<SegmentMemberRow, 'email' | 'phone' | 'firstName' | 'lastName' | 'locale'>): string[] {
  const country = countryOf(m.locale)
  const clean = (s: string | null) => (s ?? '').toLowerCase().replace(/\s+/g, '')
  const hashed = (s: string) => (s === '' ? '' : sha256(s))
  const phone = phoneDigits(m.phone, country)
  return [hashed(clean(m.email)), hashed(phone ? `+${phone}` : ''), hashed(clean(m.firstName)), hashed(clean(m.lastName)), country.toUpperCase(), '']
}

export const csvColumns = [
  'customer_id', 'first_name', 'last_name', 'email', 'phone', 'locale', 'lapse_status', 'days_since_last_order', 'last_order', 'orders',
  'spend', 'clv', 'p_alive_percent', 'priority', 'rfm', 'main_reason', 'reasons', 'nps', 'csat', 'ces', 'free_text', 'suggested_offer',
  'email_consent', 'phone_consent', 'points', 'coupon_code', 'coupon_status', 'answered_at',
] as const

export function offerFor(reason: string | null, offers: Offers, t: Translate): string {
  if (!reason) return ''
  return offers[reason as keyof Offers] ?? t(`offer.${reason}` as Parameters<Translate>[0])
}

type Cell = string | number | null

/** One CSV row of a member, in the order of `csvColumns`. */
function csvRow(db: Db, m: MemberTuple, offers: Offers, t: Translate): Cell[] {
  const cents = (i: number) => (m[i] === null ? null : (m[i] as number) / 100)
  const day = (i: number) => (m[i] === null ? null : (m[i] as string).slice(0, 10))
  const pAlive = m[I.pAlive] as number | null
  const reasons = m[I.reasons] as string | null
  const mainReason = m[I.mainReason] as string | null
  return [
    m[I.externalId] as string, m[I.firstName] as Cell, m[I.lastName] as Cell, m[I.email] as Cell, m[I.phone] as Cell, m[I.locale] as string,
    m[I.lapseStatus] as Cell, m[I.daysSinceLast] as Cell, day(I.lastOrderAt), m[I.orders] as Cell, cents(I.spendCents), cents(I.clvCents),
    pAlive === null ? null : Math.round(pAlive * 1000) / 10, cents(I.priorityCents),
    m[I.rScore] === null ? null : `${m[I.rScore]}-${m[I.fScore]}-${m[I.mScore]}`, mainReason, reasons ? reasons.slice(1, -1).split('|').join(', ') : null,
    m[I.nps] as Cell, m[I.csat] as Cell, m[I.ces] as Cell, freeTextsOf(db, m[I.answers] as string | null, m[I.surveyVersionId] as number | null).join(' | '),
    offerFor(mainReason, offers, t), m[I.emailConsent] as string, m[I.phoneConsent] as string, m[I.points] as Cell, m[I.couponCode] as Cell,
    m[I.couponStatus] as Cell, day(I.completedAt),
  ]
}

/** The identifiers an ad audience needs, from a member tuple. */
const person = (m: MemberTuple): Pick<SegmentMemberRow, 'email' | 'phone' | 'firstName' | 'lastName' | 'locale'> => ({
  email: m[I.email] as string | null,
  phone: m[I.phone] as string | null,
  firstName: m[I.firstName] as string | null,
  lastName: m[I.lastName] as string | null,
  locale: m[I.locale] as string,
})

/** Which customers an export may hold: everyone for analysis, only the contactable for a contact purpose or an ad audience. */
function channelOf(o: Pick<ExportOptions, 'purpose' | 'format'>): ContactChannel | null {
  if (o.format === 'meta' || o.format === 'google') return 'audience'
  return o.purpose === 'contact-email' ? 'email' : o.purpose === 'contact-phone' ? 'phone' : null
}

/** Every member of a segment, read 2,000 at a time in id order; returns how many. */
async function eachMember(db: Db, where: ReturnType<typeof segmentWhere>, channel: ContactChannel | null, existingBasis: boolean, each: (m: MemberTuple) => Promise<void>): Promise<number> {
  let rows = 0
  let after = 0
  const read = segmentMemberReader(db, where, channel, existingBasis)
  for (;;) {
    const chunk = read(after, CHUNK)
    for (const m of chunk) {
      await each(m)
      rows++
    }
    if (chunk.length < CHUNK) break
    after = chunk.at(-1)![I.id] as number
  }
  return rows
}

/** Write a segment's export to `out` (ended afterwards); returns the rows written (without the header). */
export async function exportSegment(db: Db, segment: SegmentRef, options: ExportOptions, out: Writable): Promise<number> {
  const where = segmentWhere(segment.rules)
  const channel = channelOf(options)
  const existingBasis = getMailSettings(db).existingCustomerBasis
  const offers = getOffers(db)
  const audit = (rows: number) =>
    addAuditEntry(db, { actor: options.actor, action: 'export.segment', subject: segment.key, detail: { segment: segment.name ?? segment.key, purpose: options.purpose, format: options.format, rows } })
  if (options.format === 'ndjson') {
    // One JSON object a line, with the CSV's columns as keys (for programs, not spreadsheets: nothing neutralised).
    const rows = await eachMember(db, where, channel, existingBasis, async (m) => {
      const cells = csvRow(db, m, offers, options.t)
      if (!out.write(`${JSON.stringify(Object.fromEntries(csvColumns.map((c, i) => [c, cells[i] ?? null])))}\n`)) await once(out, 'drain')
    })
    out.end()
    audit(rows)
    return rows
  }
  // Decimal comma with `;` (the spreadsheets that expect `;` read `12,5` as a number), point with `,`.
  const decimalComma = options.delimiter === ';'
  const csv = stringify({
    bom: true,
    delimiter: options.format === 'csv' ? options.delimiter : ',',
    cast: {
      number: (n) => (decimalComma ? String(n).replace('.', ',') : String(n)),
      string: (s) => neutralise(s),
    },
  })
  csv.pipe(out)
  const header = options.format === 'meta' ? ['email', 'phone', 'fn', 'ln', 'country'] : options.format === 'google' ? ['Email', 'Phone', 'First Name', 'Last Name', 'Country', 'Zip'] : [...csvColumns]
  csv.write(header)
  const rows = await eachMember(db, where, channel, existingBasis, async (m) => {
    const row = options.format === 'meta' ? metaRow(person(m)) : options.format === 'google' ? googleRow(person(m)) : csvRow(db, m, offers, options.t)
    if (!csv.write(row)) await once(csv, 'drain')
  })
  csv.end()
  // Everything has gone into `out` once the CSV stream has ended (stdout never "finishes").
  await once(csv, 'end')
  audit(rows)
  return rows
}
