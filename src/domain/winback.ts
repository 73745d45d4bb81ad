import { SeededRandom } from './random.ts'

/**
 * The statistics of the measured win-back (SPEC §10): survey scores, and the lift of a campaign
 * against its holdout with honest intervals. Pure functions; the data comes from repos/winback.ts.
 */

const Z95 = 1.959963984540054

export interface Interval {
  lower: number
  upper: number
}

/** Wilson score interval of a proportion k/n (95%). */
export function wilson(k: number, n: number, z = Z95): Interval {
  if (n === 0) return { lower: 0, upper: 1 }
  const p = k / n
  const z2 = z * z
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n)
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))
  return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) }
}

/**
 * The difference of two proportions k1/n1 − k2/n2 with Newcombe's hybrid score interval
 * (method 10 of Newcombe 1998), built from the two Wilson intervals.
 */
export function newcombeDifference(k1: number, n1: number, k2: number, n2: number, z = Z95): Interval & { difference: number } {
  const p1 = k1 / n1
  const p2 = k2 / n2
  const a = wilson(k1, n1, z)
  const b = wilson(k2, n2, z)
  const difference = p1 - p2
  return {
    difference,
    lower: difference - Math.sqrt((p1 - a.lower) ** 2 + (b.upper - p2) ** 2),
    upper: difference + Math.sqrt((a.upper - p1) ** 2 + (p2 - b.lower) ** 2),
  }
}

const meanOf = (xs: readonly number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0)
const varianceOf = (xs: readonly number[], m: number) => (xs.length > 1 ? xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1) : 0)

/** Mean of `a` minus mean of `b` with a 95% interval: Welch's (normal) when both groups are large, else a seeded percentile bootstrap. */
export function meanDifference(a: readonly number[], b: readonly number[], options: { resamples?: number; seed?: string; largeAt?: number } = {}): Interval & { difference: number; method: 'welch' | 'bootstrap' } {
  const ma = meanOf(a)
  const mb = meanOf(b)
  const difference = ma - mb
  const largeAt = options.largeAt ?? 1000
  if (a.length >= largeAt && b.length >= largeAt) {
    const se = Math.sqrt(varianceOf(a, ma) / a.length + varianceOf(b, mb) / b.length)
    return { difference, lower: difference - Z95 * se, upper: difference + Z95 * se, method: 'welch' }
  }
  const resamples = Math.max(2000, options.resamples ?? 2000)
  const rnd = new SeededRandom(options.seed ?? 'lift')
  const resample = (xs: readonly number[]) => {
    let s = 0
    for (let i = 0; i < xs.length; i++) s += xs[Math.floor(rnd.next() * xs.length)]!
    return s / xs.length
  }
  const diffs = new Float64Array(resamples)
  for (let r = 0; r < resamples; r++) diffs[r] = resample(a) - resample(b)
  diffs.sort()
  return { difference, lower: diffs[Math.floor(0.025 * resamples)]!, upper: diffs[Math.ceil(0.975 * resamples) - 1]!, method: 'bootstrap' }
}

/** Net Promoter Score from counts: % promoters (9–10) − % detractors (0–6), from −100 to 100. */
export function npsOf(c: { promoters: number; detractors: number; answers: number }): number | null {
  return c.answers ? ((c.promoters - c.detractors) / c.answers) * 100 : null
}

/** CSAT from counts: the share satisfied (4 or 5 of 5), in %. */
export function csatOf(c: { satisfied: number; answers: number }): number | null {
  return c.answers ? (c.satisfied / c.answers) * 100 : null
}

/** NPS of 0–10 answers. */
export function nps(scores: readonly number[]): number | null {
  return npsOf({ promoters: scores.filter((s) => s >= 9).length, detractors: scores.filter((s) => s <= 6).length, answers: scores.length })
}

/** CSAT of 1–5 answers. */
export function csat(scores: readonly number[]): number | null {
  return csatOf({ satisfied: scores.filter((s) => s >= 4).length, answers: scores.length })
}

/** CES of 1–7 answers ("it was easy"): the mean. */
export function ces(scores: readonly number[]): number | null {
  return scores.length ? meanOf(scores) : null
}

/** Below this many customers in either group, a lift is "not enough data yet" rather than a misleading number. */
export const MIN_GROUP = 30

export interface MemberOutcome {
  holdout: boolean
  /** Bought again within the window after the mail (or, held out, after the campaign started). */
  reactivated: boolean
  revenueCents: number
  /** What the incentive cost for this member (a redeemed coupon's discount), in cents. */
  incentiveCents: number
  /** The member got an offer (a reward was granted). */
  offered: boolean
}

export interface Lift {
  assigned: number
  heldOut: number
  enough: boolean
  /** Reactivation rates and their difference (Newcombe). */
  rateMailed: number
  rateHoldout: number
  rateDifference: (Interval & { difference: number }) | null
  /** Revenue per assigned customer, net of the incentive (mailed) against the holdout, in cents. */
  revenueMailed: number
  revenueHoldout: number
  revenueDifference: (Interval & { difference: number; method: 'welch' | 'bootstrap' }) | null
  /** The share of offers that led to a purchase; null without offers. */
  hitRate: number | null
  offers: number
  /** Revenue gained against the holdout, for everyone mailed: the difference × the mailed count (cents). */
  gainedCents: number | null
}

/** The win-back lift of a group of members: everyone assigned to be mailed against the holdout (intention to treat). */
export function lift(members: readonly MemberOutcome[], seed: string): Lift {
  const mailed = members.filter((m) => !m.holdout)
  const held = members.filter((m) => m.holdout)
  const enough = mailed.length >= MIN_GROUP && held.length >= MIN_GROUP
  const k1 = mailed.filter((m) => m.reactivated).length
  const k2 = held.filter((m) => m.reactivated).length
  const netMailed = mailed.map((m) => m.revenueCents - m.incentiveCents)
  const heldRevenue = held.map((m) => m.revenueCents)
  const offers = mailed.filter((m) => m.offered)
  const revenueDifference = enough ? meanDifference(netMailed, heldRevenue, { seed }) : null
  return {
    assigned: mailed.length,
    heldOut: held.length,
    enough,
    rateMailed: mailed.length ? k1 / mailed.length : 0,
    rateHoldout: held.length ? k2 / held.length : 0,
    rateDifference: enough ? newcombeDifference(k1, mailed.length, k2, held.length) : null,
    revenueMailed: meanOf(netMailed),
    revenueHoldout: meanOf(heldRevenue),
    revenueDifference,
    hitRate: offers.length ? offers.filter((m) => m.reactivated).length / offers.length : null,
    offers: offers.length,
    gainedCents: revenueDifference ? Math.round(revenueDifference.difference * mailed.length) : null,
  }
}
