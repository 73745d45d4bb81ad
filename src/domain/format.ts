import { renderNote, type Note } from './errors.ts'
import type { MessageKey, Translate } from './i18n.ts'
import { churnReasons, DEFAULT_SURVEY_NAME, EXIT_SURVEY_NAME, FOLLOW_UP_SURVEY_NAME } from './survey.ts'

/**
 * How numbers, money and dates look on the pages and in mails, all through `Intl`: `1.234,56 €`
 * and `26.11.2026` in German, `€1,234.56` and `26 Nov 2026` in English. The formatters are
 * built once per language and kept, since building one costs more than using it.
 */

/** The `Intl` tag for a respondent locale (`de`, `en`) or an `Intl` tag given as is. */
const intlTag = (locale: string) => (locale.includes('-') ? locale : locale === 'de' ? 'de-DE' : locale === 'en' ? 'en-GB' : locale)

const numberFormats = new Map<string, Intl.NumberFormat>()
function numberFormat(locale: string, key: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const id = `${locale}|${key}`
  let f = numberFormats.get(id)
  if (!f) numberFormats.set(id, (f = new Intl.NumberFormat(intlTag(locale), options)))
  return f
}
const dateFormats = new Map<string, Intl.DateTimeFormat>()
function dateFormat(locale: string, key: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const id = `${locale}|${key}`
  let f = dateFormats.get(id)
  if (!f) dateFormats.set(id, (f = new Intl.DateTimeFormat(intlTag(locale), { timeZone: 'UTC', ...options })))
  return f
}

export function formatMoney(cents: number | null | undefined, currency = 'EUR', locale = 'en'): string {
  if (cents === null || cents === undefined) return '–'
  return numberFormat(locale, `money:${currency}`, { style: 'currency', currency }).format(cents / 100)
}

export function formatNumber(n: number | null | undefined, digits = 0, locale = 'en'): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '–'
  return numberFormat(locale, `number:${digits}`, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n)
}

export function formatPercent(share: number | null | undefined, digits = 0, locale = 'en', signed = false): string {
  if (share === null || share === undefined || Number.isNaN(share)) return '–'
  return numberFormat(locale, `percent:${digits}:${signed}`, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits, signDisplay: signed ? 'exceptZero' : 'auto' }).format(share)
}

/** `26.11.2026` / `26 Nov 2026` from an ISO date or timestamp (UTC). */
export function formatDate(iso: string | null | undefined, locale = 'en'): string {
  return iso ? dateFormat(locale, 'date', { dateStyle: 'medium' }).format(new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso)) : '–'
}

/** `26.11.2026, 06:15` / `26 Nov 2026, 06:15` (UTC) from an ISO timestamp. */
export function formatDateTime(iso: string | null | undefined, locale = 'en'): string {
  return iso ? dateFormat(locale, 'dateTime', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso)) : '–'
}

/** "24. Dezember 2026" / "24 December 2026": dates customers read, in their language. */
export function formatLongDate(iso: string, locale: string): string {
  return dateFormat(locale, 'long', { day: 'numeric', month: 'long', year: 'numeric' }).format(new Date(iso))
}

export function formatBytes(bytes: number, locale = 'en'): string {
  if (bytes < 1024) return `${formatNumber(bytes, 0, locale)} B`
  if (bytes < 1024 * 1024) return `${formatNumber(bytes / 1024, 1, locale)} KiB`
  return `${formatNumber(bytes / 1024 / 1024, 1, locale)} MiB`
}

/** A message stored for later: a note, a note kept as JSON, or (from before notes) plain text. */
export function readNote(stored: Note | string | null | undefined): Note | string {
  if (stored === null || stored === undefined) return ''
  if (typeof stored !== 'string') return stored
  if (!stored.startsWith('{')) return stored
  try {
    return JSON.parse(stored) as Note
  } catch {
    return stored
  }
}

const formatterReason = (value: string, t: Translate) => {
  const r = churnReasons.find((x) => x.value === value)
  return r ? r.label[t.locale === 'de' ? 'de' : 'en'] : value
}

/** Everything a staff page formats, in the reader's language: the `fmt` of the templates. */
export function formatter(t: Translate) {
  const locale = t.intl
  /** A label for a stored value: `status.lapsed` → “Lapsed”; an unknown value is shown as stored. */
  const label = (prefix: string, value: string) => {
    const text = t(`${prefix}.${value}` as MessageKey)
    return text === `${prefix}.${value}` ? value : text
  }
  const weekdays = dateFormat(locale, 'weekday', { weekday: 'short' })
  const languages = new Intl.DisplayNames([locale], { type: 'language' })
  const lists = new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' })
  return {
    money: (cents: number | null | undefined, currency = 'EUR') => formatMoney(cents, currency, locale),
    number: (n: number | null | undefined, digits = 0) => formatNumber(n, digits, locale),
    percent: (share: number | null | undefined, digits = 0) => formatPercent(share, digits, locale),
    signedPercent: (share: number | null | undefined, digits = 0) => formatPercent(share, digits, locale, true),
    signedNumber: (n: number, digits = 0) => numberFormat(locale, `signed:${digits}`, { minimumFractionDigits: digits, maximumFractionDigits: digits, signDisplay: 'exceptZero' }).format(n),
    date: (iso: string | null | undefined) => formatDate(iso, locale),
    dateTime: (iso: string | null | undefined) => formatDateTime(iso, locale),
    bytes: (n: number) => formatBytes(n, locale),
    /** `2026-09` as "Sept. 2026" / "Sep 2026". */
    month: (ym: string) => dateFormat(locale, 'month', { month: 'short', year: 'numeric' }).format(new Date(`${ym}-01T00:00:00Z`)),
    list: (items: string[]) => lists.format(items),
    daysAgo: (days: number | null | undefined) => (days === null || days === undefined ? '–' : days === 0 ? t('common.today') : t.plural('common.daysAgo', days)),
    /** 1 = Monday … 7 = Sunday (2024-01-01 was a Monday). */
    weekday: (isoDay: number) => weekdays.format(new Date(Date.UTC(2024, 0, isoDay))),
    language: (code: string | null | undefined) => (code ? (languages.of(code) ?? code) : '–'),
    status: (s: string | null | undefined) => label('status', s ?? 'none'),
    consent: (c: string | null | undefined) => (c ? label('consent', c) : '–'),
    consentSource: (s: string) => label('consentSource', s),
    channel: (c: string) => label('channel', c),
    warning: (w: string | null | undefined) => (w ? label('warning', w) : ''),
    orderStatus: (s: string) => label('orderStatus', s),
    eventKind: (k: string) => label('eventKind', k),
    campaignStatus: (s: string) => label('campaignStatus', s),
    messageStatus: (s: string) => label('messageStatus', s),
    messageKind: (k: string) => label('messageKind', k),
    role: (r: string) => label('role', r),
    surveyName: (name: string) => (name === DEFAULT_SURVEY_NAME ? t('surveys.defaultName') : name === FOLLOW_UP_SURVEY_NAME ? t('surveys.followUpName') : name === EXIT_SURVEY_NAME ? t('surveys.exitName') : name),
    /** A churn reason by its label in the default survey (German or English; other languages read English). */
    reason: (value: string | null | undefined) => (value ? formatterReason(value, t) : '–'),
    /** A segment's name: as its manager wrote it, or a built-in one's from the catalogue. */
    segmentName: (s: { name: string | null; key: string; reason: string | null }) =>
      s.name ?? (s.reason ? t('segments.builtin.reason', { reason: formatterReason(s.reason, t) }) : label('segments.builtin', s.key)),
    /** Who did something: a staff member's address as is, the system's own actors by name. */
    actor: (a: string) => label('actor', a),
    trigger: (tr: string) => label('trigger', tr),
    timeUnit: (u: string) => label('timeUnit', u),
    exclusion: (reason: string) => label('exclusion', reason),
    incentive: (inc: { kind: string; points?: number; percent?: number; amountCents?: number; currency?: string }) =>
      inc.kind === 'points'
        ? t('incentive.points', { points: formatNumber(inc.points, 0, locale) })
        : inc.percent !== undefined
          ? t('incentive.percent', { percent: formatPercent(inc.percent / 100, 0, locale) })
          : t('incentive.amount', { amount: formatMoney(inc.amountCents, inc.currency ?? 'EUR', locale) }),
    condition: (c: { kind: 'equals' | 'includes' | 'mainOf'; question: string; value?: string }) => t(`condition.${c.kind}`, { question: c.question, value: c.value ?? '' }),
    /** A note, a note stored as JSON, or plain text from before notes. */
    note: (stored: Note | string | null | undefined) => {
      const n = readNote(stored)
      return typeof n === 'string' ? n : renderNote(n, t)
    },
  }
}
export type Formatter = ReturnType<typeof formatter>
