import { DAY_MS } from '../domain/time.ts'
import { type Db, writeTransaction } from '../db/client.ts'
import type { Coupon, Reward } from '../db/schema.ts'
import { AppError, note } from '../domain/errors.ts'
import { newCouponCode, normalizeCouponCode, tierOf, type Incentive } from '../domain/rewards.ts'
import { addAuditEntry } from '../repos/audit.ts'
import { emitEvent } from './webhooks.ts'
import { addPoints, getCoupon, getCouponByCode, getRewardByResponse, insertCoupon, insertReward, markCouponRedeemed, pointsBalance } from '../repos/rewards.ts'


/**
 * Grant the reward of a completed response. Call inside the transaction that completes it: the
 * unique index on rewards.response_id makes a second grant fail, whatever the code does.
 */
export function grantReward(
  db: Db,
  grant: { responseId: number; customerId: number; campaignId: number; incentive: Incentive; now: Date },
  newCode: (prefix: string) => string = newCouponCode,
): Reward {
  const { incentive, now } = grant
  if (incentive.kind === 'points') {
    addPoints(db, { customerId: grant.customerId, kind: 'grant', points: incentive.points, reason: `survey response ${grant.responseId}` })
    return insertReward(db, { responseId: grant.responseId, customerId: grant.customerId, kind: 'points', points: incentive.points })
  }
  const coupon = issueCoupon(db, { customerId: grant.customerId, campaignId: grant.campaignId, incentive, now }, newCode)
  return insertReward(db, { responseId: grant.responseId, customerId: grant.customerId, kind: 'coupon', couponId: coupon.id })
}

/** A new coupon with a fresh code; a code already taken (one in 10^11) is drawn again, the unique index judging. */
export function issueCoupon(
  db: Db,
  c: { customerId: number | null; campaignId: number | null; incentive: Extract<Incentive, { kind: 'coupon' }>; now: Date },
  newCode: (prefix: string) => string = newCouponCode,
): Coupon {
  const { incentive, now } = c
  for (let attempt = 0; ; attempt++) {
    try {
      return insertCoupon(db, {
        code: newCode(incentive.prefix),
        customerId: c.customerId,
        campaignId: c.campaignId,
        kind: incentive.percent !== undefined ? 'percent' : 'amount',
        value: incentive.percent ?? incentive.amountCents!,
        currency: incentive.currency,
        minOrderCents: incentive.minOrderCents,
        expiresAt: new Date(now.getTime() + incentive.validDays * DAY_MS).toISOString(),
      })
    } catch (e) {
      if (!(e instanceof Error && /UNIQUE constraint failed: coupons.code/.test(e.message)) || attempt >= 20) throw e
    }
  }
}

export type RewardView =
  | { kind: 'coupon'; code: string; couponKind: 'percent' | 'amount'; value: number; currency: string; minOrderCents: number; expiresAt: string }
  | { kind: 'points'; granted: number; balance: number; tier: string; next: { tier: string; missing: number } | null }

/** What the thank-you page and the reward mail show. */
export function rewardView(db: Db, responseId: number): RewardView | null {
  const reward = getRewardByResponse(db, responseId)
  if (!reward) return null
  if (reward.kind === 'coupon') {
    const c = getCoupon(db, reward.couponId!)!
    return { kind: 'coupon', code: c.code, couponKind: c.kind, value: c.value, currency: c.currency, minOrderCents: c.minOrderCents, expiresAt: c.expiresAt }
  }
  const balance = reward.customerId === null ? reward.points! : pointsBalance(db, reward.customerId)
  return { kind: 'points', granted: reward.points!, balance, ...tierOf(balance) }
}

/**
 * Redeem a coupon for an order: once, before it expires, and only for an order of at least its
 * minimum value. Used by the orders import and the JSON API.
 */
export function redeemCoupon(
  db: Db,
  input: { code: string; orderTotalCents?: number; currency?: string; order?: string; actor: string; now?: Date },
): Coupon {
  const now = input.now ?? new Date()
  return writeTransaction(db, () => {
    const coupon = getCouponByCode(db, normalizeCouponCode(input.code))
    if (!coupon) throw new AppError(note('err.couponUnknown', { code: input.code }), 404, 'coupon_unknown')
    if (coupon.redeemedAt) throw new AppError(note('err.couponRedeemedOn', { code: coupon.code, date: coupon.redeemedAt.slice(0, 10) }), 409, 'coupon_redeemed')
    if (Date.parse(coupon.expiresAt) < now.getTime()) throw new AppError(note('err.couponExpired', { code: coupon.code, date: coupon.expiresAt.slice(0, 10) }), 409, 'coupon_expired')
    if (input.orderTotalCents !== undefined && input.orderTotalCents < coupon.minOrderCents) {
      throw new AppError(note('err.couponMinimum', { code: coupon.code, amount: (coupon.minOrderCents / 100).toFixed(2), currency: coupon.currency }), 409, 'coupon_minimum')
    }
    if (input.currency && coupon.kind === 'amount' && input.currency !== coupon.currency) {
      throw new AppError(note('err.couponCurrency', { code: coupon.code, currency: coupon.currency, orderCurrency: input.currency }), 409, 'coupon_currency')
    }
    if (!markCouponRedeemed(db, coupon.id, now.toISOString(), input.order ?? null)) {
      throw new AppError(note('err.couponRedeemed', { code: coupon.code }), 409, 'coupon_redeemed')
    }
    addAuditEntry(db, { actor: input.actor, action: 'coupon.redeem', subject: coupon.code, detail: { order: input.order ?? null } })
    emitEvent(db, 'coupon.redeemed', { code: coupon.code, order_id: input.order ?? null, redeemed_at: now.toISOString() }, now)
    return { ...coupon, redeemedAt: now.toISOString(), redeemedOrder: input.order ?? null }
  })
}
