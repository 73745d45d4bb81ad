import { eq, sum } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { coupons, pointsLedger, rewards, type Coupon, type Reward } from '../db/schema.ts'

export function getRewardByResponse(db: Db, responseId: number): Reward | undefined {
  return db.select().from(rewards).where(eq(rewards.responseId, responseId)).get()
}

export function insertReward(db: Db, reward: typeof rewards.$inferInsert): Reward {
  return db.insert(rewards).values(reward).returning().get()
}

export function insertCoupon(db: Db, coupon: typeof coupons.$inferInsert): Coupon {
  return db.insert(coupons).values(coupon).returning().get()
}

export function getCoupon(db: Db, id: number): Coupon | undefined {
  return db.select().from(coupons).where(eq(coupons.id, id)).get()
}

export function getCouponByCode(db: Db, code: string): Coupon | undefined {
  return db.select().from(coupons).where(eq(coupons.code, code)).get()
}

/** Mark redeemed unless it already is; false when another redemption came first. */
export function markCouponRedeemed(db: Db, id: number, at: string, order: string | null): boolean {
  return db.$client.prepare('UPDATE coupons SET redeemed_at = ?, redeemed_order = ? WHERE id = ? AND redeemed_at IS NULL').run(at, order, id).changes === 1
}

export function addPoints(db: Db, entry: typeof pointsLedger.$inferInsert): void {
  db.insert(pointsLedger).values(entry).run()
}

export function pointsBalance(db: Db, customerId: number): number {
  return Number(db.select({ total: sum(pointsLedger.points) }).from(pointsLedger).where(eq(pointsLedger.customerId, customerId)).get()?.total ?? 0)
}
