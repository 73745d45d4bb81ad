import type { Db } from '../db/client.ts'
import { lift, type Lift, type MemberOutcome } from '../domain/winback.ts'
import { memberOutcomes, type MemberOutcomeRow } from '../repos/winback.ts'

/** Days after the mail in which an order counts as the customer coming back (SPEC §10). */
export const REACTIVATION_DAYS = 90

/** The funnel of one group of members: each step a count (SPEC §8). */
export interface Funnel {
  targeted: number
  heldOut: number
  sent: number
  delivered: number
  bounced: number
  opened: number
  started: number
  completed: number
  rewarded: number
  redeemed: number
  boughtAgain: number
  revenueCents: number
}

export interface CampaignLift {
  overall: Lift
  arms: { arm: number; lift: Lift; funnel: Funnel }[]
  reasons: { reason: string; lift: Lift }[]
  funnel: Funnel
  holdoutFunnel: Funnel
  windowDays: number
}

function funnelOf(rows: readonly MemberOutcomeRow[]): Funnel {
  const count = (f: (r: MemberOutcomeRow) => boolean) => rows.reduce((n, r) => n + (f(r) ? 1 : 0), 0)
  return {
    targeted: rows.length,
    heldOut: count((r) => r.holdout === 1),
    sent: count((r) => r.mailed === 1),
    delivered: count((r) => r.mailed === 1 && r.bounced === 0),
    bounced: count((r) => r.bounced === 1),
    opened: count((r) => r.opened === 1),
    started: count((r) => r.started === 1),
    completed: count((r) => r.completed === 1),
    rewarded: count((r) => r.offered === 1),
    redeemed: count((r) => r.redeemed === 1),
    boughtAgain: count((r) => r.orders > 0),
    revenueCents: rows.reduce((s, r) => s + r.revenueCents, 0),
  }
}

const outcome = (r: MemberOutcomeRow): MemberOutcome => ({
  holdout: r.holdout === 1,
  reactivated: r.orders > 0,
  revenueCents: r.revenueCents,
  incentiveCents: r.incentiveCents,
  offered: r.offered === 1,
})

/**
 * A campaign's win-back against its holdout: overall, per incentive arm, and per churn reason
 * (by the main reason of those who answered; the holdout is the same for every reason, as a
 * held-out customer gives no reason).
 */
export function campaignLift(db: Db, campaignId: number, windowDays = REACTIVATION_DAYS): CampaignLift {
  const rows = memberOutcomes(db, campaignId, windowDays)
  const all = rows.map(outcome)
  const heldRows = rows.filter((r) => r.holdout === 1)
  const held = heldRows.map(outcome)
  const arms = [...new Set(rows.filter((r) => r.holdout !== 1).map((r) => r.arm))].sort((a, b) => a - b)
  const reasons = [...new Set(rows.map((r) => r.reason).filter((x): x is string => x !== null))].sort()
  return {
    funnel: funnelOf(rows),
    holdoutFunnel: funnelOf(heldRows),
    windowDays,
    overall: lift(all, `campaign:${campaignId}`),
    arms: arms.map((arm) => {
      const armRows = rows.filter((r) => r.holdout !== 1 && r.arm === arm)
      // Each arm against the whole holdout: members were drawn into arms and the holdout at random.
      return { arm, lift: lift([...armRows.map(outcome), ...held], `campaign:${campaignId}:arm:${arm}`), funnel: funnelOf(armRows) }
    }),
    reasons: reasons.map((reason) => ({
      reason,
      lift: lift([...rows.filter((r) => r.holdout !== 1 && r.reason === reason).map(outcome), ...held], `campaign:${campaignId}:reason:${reason}`),
    })),
  }
}

export const liftKey = (campaignId: number, windowDays: number) => `lift:${campaignId}:${windowDays}`
