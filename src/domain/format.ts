/** How numbers, money and dates look on the pages and in mails. */

export function formatMoney(cents: number | null | undefined, currency = 'EUR', locale = 'en'): string {
  if (cents === null || cents === undefined) return '–'
  return new Intl.NumberFormat(locale === 'de' ? 'de-DE' : 'en-GB', { style: 'currency', currency }).format(cents / 100)
}

export function formatNumber(n: number | null | undefined, digits = 0, locale = 'en'): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '–'
  return new Intl.NumberFormat(locale === 'de' ? 'de-DE' : 'en-GB', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(n)
}

/** `2026-11-24` from an ISO timestamp. */
export function formatDate(iso: string | null | undefined): string {
  return iso ? iso.slice(0, 10) : '–'
}

/** `2026-11-24 06:15` (UTC) from an ISO timestamp. */
export function formatDateTime(iso: string | null | undefined): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : '–'
}

/** "24. Dezember 2026" / "24 December 2026": dates customers read, in their language. */
export function formatLongDate(iso: string, locale: 'de' | 'en'): string {
  return new Date(iso).toLocaleDateString(locale === 'de' ? 'de-DE' : 'en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

export const consentLabels: Record<string, string> = {
  granted: 'Granted',
  existing_customer: 'Existing customer',
  objected: 'Objected',
  unknown: 'Unknown',
}

export const lapseStatusLabels: Record<string, string> = { active: 'Active', at_risk: 'At risk', lapsed: 'Lapsed', lost: 'Lost' }

export const earlyWarningLabels: Record<string, string> = {
  frequency: 'Buying less often',
  basket: 'Spending less',
  frequency_and_basket: 'Buying less often and spending less',
}

export function formatPercent(share: number | null | undefined, digits = 0): string {
  if (share === null || share === undefined || Number.isNaN(share)) return '–'
  return `${(share * 100).toFixed(digits)}%`
}

export const fmt = {
  money: formatMoney,
  number: formatNumber,
  date: formatDate,
  dateTime: formatDateTime,
  bytes: formatBytes,
  consent: (c: string | null | undefined) => (c ? (consentLabels[c] ?? c) : '–'),
  status: (s: string | null | undefined) => (s ? (lapseStatusLabels[s] ?? s) : 'No purchase'),
  warning: (w: string | null | undefined) => (w ? (earlyWarningLabels[w] ?? w) : ''),
  percent: formatPercent,
}
