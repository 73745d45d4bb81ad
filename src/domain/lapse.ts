import type { Translate } from './i18n.ts'
import { median } from './stats.ts'

/**
 * Who lapsed, measured against each customer's own buying rhythm (SPEC §4): days since the last
 * order divided by the customer's typical gap (the median of their gaps; for one-time buyers, the
 * population's median gap).
 */

export const lapseStatuses = ['active', 'at_risk', 'lapsed', 'lost'] as const
export type LapseStatus = (typeof lapseStatuses)[number]

export interface LapseThresholds {
  /** At risk beyond this many typical gaps. */
  atRisk: number
  lapsed: number
  lost: number
  /** Lost in any case after this many days. */
  lostAfterDays: number
}

export const defaultLapseThresholds: LapseThresholds = { atRisk: 1.5, lapsed: 2, lost: 4, lostAfterDays: 730 }

/** Median of the gaps (in days) between a customer's purchase days; null with fewer than two. */
export function typicalGap(purchaseDays: readonly number[]): number | null {
  if (purchaseDays.length < 2) return null
  const gaps: number[] = []
  for (let i = 1; i < purchaseDays.length; i++) gaps.push(purchaseDays[i]! - purchaseDays[i - 1]!)
  return median(gaps)
}

export function lapseStatus(daysSinceLast: number, gapDays: number, t: LapseThresholds = defaultLapseThresholds): LapseStatus {
  const ratio = daysSinceLast / Math.max(gapDays, 1)
  if (ratio > t.lost || daysSinceLast > t.lostAfterDays) return 'lost'
  if (ratio > t.lapsed) return 'lapsed'
  if (ratio > t.atRisk) return 'at_risk'
  return 'active'
}

export type EarlyWarning = 'frequency' | 'basket' | 'frequency_and_basket' | 'complaint' | 'late_payments'

/** What the events say about a customer lately (events.csv): complaints in the last 90 days, late payments in the last 180. */
export interface RecentSignals {
  complaints: number
  latePayments: number
}

/** An early warning from events: a complaint in the last 90 days, or two late payments in the last 180; the complaint first. */
export function eventWarning(s: RecentSignals | undefined): EarlyWarning | null {
  if (!s) return null
  if (s.complaints > 0) return 'complaint'
  if (s.latePayments >= 2) return 'late_payments'
  return null
}

/**
 * An early warning while a customer still counts as active: the last two gaps are much longer
 * than the customer's earlier ones (buying less often), or the last two baskets much smaller
 * (spending less). Needs at least five purchase days to compare against.
 */
export function earlyWarning(purchaseDays: readonly number[], dayValues: readonly number[]): EarlyWarning | null {
  const n = purchaseDays.length
  if (n < 5) return null
  const gaps: number[] = []
  for (let i = 1; i < n; i++) gaps.push(purchaseDays[i]! - purchaseDays[i - 1]!)
  const earlierGap = median(gaps.slice(0, -2))!
  const recentGap = (gaps[gaps.length - 1]! + gaps[gaps.length - 2]!) / 2
  const slowing = earlierGap > 0 && recentGap > 1.5 * earlierGap
  const earlierBasket = median(dayValues.slice(0, -2))!
  const recentBasket = (dayValues[n - 1]! + dayValues[n - 2]!) / 2
  const shrinking = earlierBasket > 0 && recentBasket < 0.7 * earlierBasket
  if (slowing && shrinking) return 'frequency_and_basket'
  if (slowing) return 'frequency'
  if (shrinking) return 'basket'
  return null
}

/** "Usually buys every 41 days; last order 130 days ago: lapsed." */
export function describeRhythm(
  a: { typicalGapDays: number | null; gapBasis: 'own' | 'population'; daysSinceLast: number; lapseStatus: LapseStatus },
  t: Translate,
): string {
  const gap = a.typicalGapDays === null ? 0 : Math.round(a.typicalGapDays)
  const rhythm = a.gapBasis === 'own' ? t.plural('rhythm.own', gap) : t('rhythm.population', { days: gap })
  const since = a.daysSinceLast === 0 ? t('rhythm.sinceToday') : t.plural('rhythm.since', a.daysSinceLast)
  return t('rhythm.sentence', { rhythm, since, status: t(`status.${a.lapseStatus}`).toLowerCase() })
}
