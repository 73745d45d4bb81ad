import { cachedStatement, type Db } from '../db/client.ts'
import type { Campaign } from '../db/schema.ts'
import { selectRow, selectRows } from './rows.ts'
import { campaigns } from '../db/schema.ts'
import { comebackOrder, firstMailOf } from './winback.ts'

/** The follow-up check of a win-back campaign, if it has one. */
export function followUpOf(db: Db, parentId: number): Campaign | undefined {
  return selectRow(db, campaigns, "WHERE kind = 'followup' AND parent_id = ?", parentId)
}

/** The follow-up checks that are still asking. */
export function runningFollowUps(db: Db): Campaign[] {
  return selectRows(db, campaigns, "WHERE kind = 'followup' AND status = 'sending' ORDER BY id")
}

/**
 * The won-back customers of a win-back campaign whose check is due (SPEC §8, §10): mailed (not
 * held out), a completed order within `windowDays` after their first mail, the first of those
 * orders placed between @notBefore and @dueBefore, and no check sent about it yet (no member of
 * any follow-up check since that order: one check per comeback, even when two campaigns share it).
 */
export function dueComebacks(db: Db, parentId: number, windowDays: number, notBefore: string, dueBefore: string): { customerId: number; firstOrderAt: string }[] {
  return cachedStatement(
    db,
    `WITH mailed AS (
       SELECT m.customer_id, ${firstMailOf('m')} AS since
       FROM campaign_members m WHERE m.campaign_id = @parentId AND m.holdout = 0 AND m.mails_sent > 0),
     back AS (
       SELECT x.customer_id, min(o.ordered_at) AS first_order
       FROM mailed x JOIN orders o ON o.customer_id = x.customer_id AND ${comebackOrder('o', 'x.since')}
       WHERE x.since IS NOT NULL GROUP BY x.customer_id)
     SELECT b.customer_id AS customerId, b.first_order AS firstOrderAt FROM back b
     WHERE b.first_order >= @notBefore AND b.first_order <= @dueBefore
       AND NOT EXISTS (SELECT 1 FROM campaign_members f JOIN campaigns k ON k.id = f.campaign_id
                       WHERE f.customer_id = b.customer_id AND k.kind = 'followup' AND f.created_at >= b.first_order)
     ORDER BY b.customer_id`,
  ).all({ parentId, windowDays, notBefore, dueBefore }) as { customerId: number; firstOrderAt: string }[]
}

/** New members of a follow-up check (one per customer and check: a second ask is ignored); returns how many were added. */
export function addFollowUpMembers(db: Db, campaignId: number, expiresAt: string, createdAt: string, customerIds: readonly number[]): number {
  const insert = cachedStatement(db, 'INSERT INTO campaign_members (campaign_id, customer_id, expires_at, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (campaign_id, customer_id) DO NOTHING')
  let added = 0
  for (const id of customerIds) added += insert.run(campaignId, id, expiresAt, createdAt).changes
  return added
}
