import type { Db } from '../db/client.ts'

export interface RewardReportRow {
  campaign: string
  coupons: number
  redeemed: number
  expired: number
  open: number
  /** Discount given on redeemed coupons, in cents: the percentage of the order, or the amount. */
  discountCents: number
  redeemedRevenueCents: number
  pointsGranted: number
}

/** Rewards per campaign: coupons granted, redeemed, expired, still open, their cost; points granted. */
/**
 * What a coupon gave (in cents) on the order that redeemed it: its percentage of the order, or
 * its amount (never more than the order); 0 while unredeemed. `coupon` and `order` are table aliases.
 */
export const couponDiscount = (coupon: string, order: string) =>
  `CASE WHEN ${coupon}.redeemed_at IS NULL THEN 0 WHEN ${coupon}.kind = 'percent' THEN round(${order}.total_cents * ${coupon}.value / 100.0)
        ELSE min(${coupon}.value, coalesce(${order}.total_cents, ${coupon}.value)) END`

export function rewardReport(db: Db, now: string): RewardReportRow[] {
  return db.$client
    .prepare(
      `SELECT ca.name AS campaign,
         sum(w.kind = 'coupon') AS coupons,
         coalesce(sum(c.redeemed_at IS NOT NULL), 0) AS redeemed,
         coalesce(sum(c.redeemed_at IS NULL AND c.expires_at < @now), 0) AS expired,
         coalesce(sum(c.redeemed_at IS NULL AND c.expires_at >= @now), 0) AS open,
         coalesce(sum(${couponDiscount('c', 'o')}), 0) AS discountCents,
         coalesce(sum(CASE WHEN c.redeemed_at IS NOT NULL THEN o.total_cents END), 0) AS redeemedRevenueCents,
         coalesce(sum(w.points), 0) AS pointsGranted
       FROM rewards w
       JOIN responses r ON r.id = w.response_id
       JOIN campaign_members m ON m.id = r.member_id
       JOIN campaigns ca ON ca.id = m.campaign_id
       LEFT JOIN coupons c ON c.id = w.coupon_id
       LEFT JOIN orders o ON o.external_id = c.redeemed_order
       GROUP BY ca.id ORDER BY ca.id DESC`,
    )
    .all({ now }) as RewardReportRow[]
}
