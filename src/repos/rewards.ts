import { cachedStatement, type Db } from '../db/client.ts'
import { coupons, pointsLedger, rewards, type Coupon, type Reward } from '../db/schema.ts'
import { insertRow, selectRow, selectRows } from './rows.ts'

export function getRewardByResponse(db: Db, responseId: number): Reward | undefined {
  return selectRow(db, rewards, 'WHERE response_id = ?', responseId)
}

export function insertReward(db: Db, reward: typeof rewards.$inferInsert): Reward {
  return insertRow(db, rewards, reward)!
}

export function insertCoupon(db: Db, coupon: typeof coupons.$inferInsert): Coupon {
  return insertRow(db, coupons, coupon)!
}

export function getCoupon(db: Db, id: number): Coupon | undefined {
  return selectRow(db, coupons, 'WHERE id = ?', id)
}

export function getCouponByCode(db: Db, code: string): Coupon | undefined {
  return selectRow(db, coupons, 'WHERE code = ?', code)
}

/** Mark redeemed unless it already is; false when another redemption came first. */
export function markCouponRedeemed(db: Db, id: number, at: string, order: string | null): boolean {
  return cachedStatement(db, 'UPDATE coupons SET redeemed_at = ?, redeemed_order = ? WHERE id = ? AND redeemed_at IS NULL').run(at, order, id).changes === 1
}

export function addPoints(db: Db, entry: typeof pointsLedger.$inferInsert): void {
  insertRow(db, pointsLedger, entry)
}

export function pointsBalance(db: Db, customerId: number): number {
  return (cachedStatement(db, 'SELECT coalesce(sum(points), 0) AS total FROM points_ledger WHERE customer_id = ?').get(customerId) as { total: number }).total
}

/** A customer's coupons, newest first. */
export function listCustomerCoupons(db: Db, customerId: number): Coupon[] {
  return selectRows(db, coupons, 'WHERE customer_id = ? ORDER BY created_at DESC, id DESC LIMIT 500', customerId)
}

/** A customer's points ledger, newest first. */
export function listPointsLedger(db: Db, customerId: number) {
  return selectRows(db, pointsLedger, 'WHERE customer_id = ? ORDER BY id DESC LIMIT 500', customerId)
}
