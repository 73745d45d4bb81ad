import { cachedStatement, type Db } from '../db/client.ts'
import { couponDiscount } from './reward-report.ts'

/** SPEC §10: the first campaign mail a member `m` was sent (the invitation), from which a comeback counts. */
export const firstMailOf = (m: string) => `(SELECT min(g.sent_at) FROM messages g WHERE g.member_id = ${m}.id AND g.kind = 'invitation' AND g.status = 'sent')`

/** SPEC §10: an order `o` that counts as a comeback: completed, after `since`, within @windowDays of it. */
export const comebackOrder = (o: string, since: string) =>
  `${o}.status = 'completed' AND ${o}.ordered_at > ${since} AND ${o}.ordered_at <= strftime('%Y-%m-%dT%H:%M:%fZ', ${since}, '+' || @windowDays || ' days')`

/**
 * The facts the win-back lift needs (SPEC §10): per campaign member, whether they bought again
 * within the window after their first mail (held out: after the campaign started), the revenue
 * of those orders, and what their coupon cost.
 */
export interface MemberOutcomeRow {
  arm: number
  holdout: number
  /** Funnel steps, 0 or 1 each. */
  mailed: number
  bounced: number
  opened: number
  started: number
  completed: number
  redeemed: number
  reason: string | null
  orders: number
  revenueCents: number
  incentiveCents: number
  offered: number
}

export function memberOutcomes(db: Db, campaignId: number, windowDays: number): MemberOutcomeRow[] {
  return cachedStatement(
    db,
    `WITH members AS (
       SELECT m.id, m.customer_id, m.arm, m.holdout, m.mails_sent > 0 AS mailed, m.opened_at IS NOT NULL AS opened,
         EXISTS (SELECT 1 FROM messages b WHERE b.member_id = m.id AND b.status = 'bounced') AS bounced,
         coalesce(CASE WHEN m.holdout THEN NULL ELSE ${firstMailOf('m')} END, k.started_at) AS since
       FROM campaign_members m JOIN campaigns k ON k.id = m.campaign_id
       WHERE m.campaign_id = @campaignId AND k.started_at IS NOT NULL)
     SELECT s.arm, s.holdout, s.mailed, s.bounced, s.opened, r.id IS NOT NULL AS started, coalesce(r.status = 'complete', 0) AS completed,
       EXISTS (SELECT 1 FROM rewards w JOIN coupons c ON c.id = w.coupon_id WHERE w.response_id = r.id AND c.redeemed_at IS NOT NULL) AS redeemed,
       r.main_reason AS reason,
       count(o.id) AS orders, coalesce(sum(o.total_cents), 0) AS revenueCents,
       coalesce((SELECT ${couponDiscount('c', 'ro')}
                 FROM rewards w JOIN coupons c ON c.id = w.coupon_id LEFT JOIN orders ro ON ro.external_id = c.redeemed_order
                 WHERE w.response_id = r.id), 0) AS incentiveCents,
       EXISTS (SELECT 1 FROM rewards w WHERE w.response_id = r.id) AS offered
     FROM members s
     LEFT JOIN responses r ON r.member_id = s.id
     LEFT JOIN orders o ON o.customer_id = s.customer_id AND ${comebackOrder('o', 's.since')}
     GROUP BY s.id`,
  ).all({ campaignId, windowDays }) as MemberOutcomeRow[]
}
