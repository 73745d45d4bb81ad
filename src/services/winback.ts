import type { Db } from '../db/client.ts'
import { lift, type Lift, type MemberOutcome } from '../domain/winback.ts'
import { memberOutcomes } from '../repos/winback.ts'

/** Days after the mail in which an order counts as the customer coming back (SPEC §10). */
export const REACTIVATION_DAYS = 90

export interface CampaignLift {
  overall: Lift
  arms: { arm: number; lift: Lift }[]
  reasons: { reason: string; lift: Lift }[]
}

/**
 * A campaign's win-back against its holdout: overall, per incentive arm, and per churn reason
 * (by the main reason of those who answered; the holdout is the same for every reason, as a
 * held-out customer gives no reason).
 */
export function campaignLift(db: Db, campaignId: number, windowDays = REACTIVATION_DAYS): CampaignLift {
  const rows = memberOutcomes(db, campaignId, windowDays)
  const outcome = (r: (typeof rows)[number]): MemberOutcome => ({
    holdout: r.holdout === 1,
    reactivated: r.orders > 0,
    revenueCents: r.revenueCents,
    incentiveCents: r.incentiveCents,
    offered: r.offered === 1,
  })
  const all = rows.map(outcome)
  const held = rows.filter((r) => r.holdout === 1).map(outcome)
  const arms = [...new Set(rows.filter((r) => r.holdout !== 1).map((r) => r.arm))].sort((a, b) => a - b)
  const reasons = [...new Set(rows.map((r) => r.reason).filter((x): x is string => x !== null))].sort()
  return {
    overall: lift(all, `campaign:${campaignId}`),
    arms: arms.map((arm) => ({
      arm,
      // Each arm against the whole holdout: members were drawn into arms and the holdout at random.
      lift: lift([...rows.filter((r) => r.holdout !== 1 && r.arm === arm).map(outcome), ...held], `campaign:${campaignId}:arm:${arm}`),
    })),
    reasons: reasons.map((reason) => ({
      reason,
      lift: lift([...rows.filter((r) => r.holdout !== 1 && r.reason === reason).map(outcome), ...held], `campaign:${campaignId}:reason:${reason}`),
    })),
  }
}
