import { cachedStatement, type Db } from '../db/client.ts'
import { campaignMembers, campaigns, type Campaign, type CampaignMember } from '../db/schema.ts'
import { columnsOf, insertRow, selectRow, selectRows, toRow, updateRows } from './rows.ts'

export function insertCampaign(db: Db, campaign: typeof campaigns.$inferInsert): Campaign {
  return insertRow(db, campaigns, campaign)!
}

export function getCampaign(db: Db, id: number): Campaign | undefined {
  return selectRow(db, campaigns, 'WHERE id = ?', id)
}

export function updateCampaign(db: Db, id: number, changes: Partial<typeof campaigns.$inferInsert>): void {
  updateRows(db, campaigns, changes, 'WHERE id = @whereId', { whereId: id })
}

/** The standing campaign of a kind, created with these columns unless it exists (one per kind, by a unique index). */
export function ensureStandingCampaign(db: Db, campaign: typeof campaigns.$inferInsert & { kind: 'personal' | 'exit' }): Campaign {
  insertRow(db, campaigns, campaign, { ignoreConflict: true })
  return findCampaignByKind(db, campaign.kind)!
}

export function findCampaignByKind(db: Db, kind: Campaign['kind']): Campaign | undefined {
  return selectRow(db, campaigns, 'WHERE kind = ? LIMIT 1', kind)
}

export function listCampaigns(db: Db): Campaign[] {
  return selectRows(db, campaigns, "WHERE kind = 'campaign' ORDER BY id DESC")
}

export function campaignsWithStatus(db: Db, status: Campaign['status']): Campaign[] {
  return selectRows(db, campaigns, 'WHERE status = ?', status)
}

/** The member a survey token belongs to. */
export function getMemberByTokenHash(db: Db, tokenHash: string): CampaignMember | undefined {
  const sql = `SELECT ${columnsOf(campaignMembers)} FROM campaign_members WHERE id = (SELECT member_id FROM member_tokens WHERE token_hash = ?)`
  return toRow(campaignMembers, cachedStatement(db, sql).get(tokenHash))
}

/** Add a member, or renew the expiry of an existing one. */
export function upsertMember(db: Db, member: { campaignId: number; customerId: number; expiresAt: string }): CampaignMember {
  const sql = `INSERT INTO campaign_members (campaign_id, customer_id, expires_at) VALUES (@campaignId, @customerId, @expiresAt)
     ON CONFLICT (campaign_id, customer_id) DO UPDATE SET expires_at = @expiresAt RETURNING ${columnsOf(campaignMembers)}`
  return toRow(campaignMembers, cachedStatement(db, sql).get(member))!
}

export function addMemberToken(db: Db, memberId: number, tokenHash: string): void {
  cachedStatement(db, 'INSERT INTO member_tokens (member_id, token_hash) VALUES (?, ?)').run(memberId, tokenHash)
}

export function deleteMemberTokens(db: Db, memberId: number): void {
  cachedStatement(db, 'DELETE FROM member_tokens WHERE member_id = ?').run(memberId)
}

export function markMemberOpened(db: Db, id: number, at: string): void {
  cachedStatement(db, 'UPDATE campaign_members SET opened_at = ? WHERE id = ? AND opened_at IS NULL').run(at, id)
}

/** One more mail sent to a member; the member's links work until `expiresAt`. */
export function markMemberMailed(db: Db, id: number, at: string, expiresAt: string): void {
  cachedStatement(db, 'UPDATE campaign_members SET mails_sent = mails_sent + 1, last_mailed_at = ?, expires_at = ? WHERE id = ?').run(at, expiresAt, id)
}

/** What a campaign mail needs to know of its member, in one query. */
export function memberForMail(db: Db, memberId: number) {
  return cachedStatement(
    db,
    `SELECT m.id, m.campaign_id AS campaignId, m.arm, c.id AS customerId, c.first_name AS firstName, a.favourite_items AS favouriteItems,
            (SELECT status FROM responses r WHERE r.member_id = m.id) AS responseStatus
     FROM campaign_members m JOIN customers c ON c.id = m.customer_id LEFT JOIN customer_analysis a ON a.customer_id = c.id
     WHERE m.id = ?`,
  ).get(memberId) as { id: number; campaignId: number; arm: number; customerId: number; firstName: string | null; favouriteItems: string | null; responseStatus: string | null } | undefined
}

/** The state of a campaign, read fresh for every message (a pause takes effect at once). */
export function campaignStatus(db: Db, id: number): Campaign['status'] | undefined {
  return (cachedStatement(db, 'SELECT status FROM campaigns WHERE id = ?').get(id) as { status: Campaign['status'] } | undefined)?.status
}

/** The members of a starting campaign, in the order drawn (one prepared insert, no row read back). */
export function insertMembers(db: Db, campaignId: number, expiresAt: string, members: Iterable<{ customerId: number; arm: number; holdout: boolean }>): void {
  const insert = cachedStatement(db, 'INSERT INTO campaign_members (campaign_id, customer_id, arm, holdout, expires_at) VALUES (?, ?, ?, ?, ?)')
  for (const m of members) insert.run(campaignId, m.customerId, m.arm, m.holdout ? 1 : 0, expiresAt)
}

/** A new member of the demo's finished campaign; returns its id. */
export function insertMember(
  db: Db,
  m: { campaignId: number; customerId: number; arm: number; holdout: boolean; expiresAt: string; openedAt?: string | null; mailsSent?: number; lastMailedAt?: string | null },
): number {
  return (
    cachedStatement(
      db,
      `INSERT INTO campaign_members (campaign_id, customer_id, arm, holdout, expires_at, opened_at, mails_sent, last_mailed_at)
       VALUES (@campaignId, @customerId, @arm, @holdout, @expiresAt, @openedAt, @mailsSent, @lastMailedAt) RETURNING id`,
    ).get({ openedAt: null, mailsSent: 0, lastMailedAt: null, ...m, holdout: m.holdout ? 1 : 0 }) as { id: number }
  ).id
}

/** Members whose step-th mail went out before `due` and who have not answered: the next reminder's recipients. */
export function membersDueForReminder(db: Db, campaignId: number, step: number, due: string) {
  return cachedStatement(
    db,
    `SELECT m.id, m.customer_id AS customerId, m.arm, c.email, c.locale FROM campaign_members m JOIN customers c ON c.id = m.customer_id
     WHERE m.campaign_id = ? AND m.holdout = 0 AND m.mails_sent = ? AND m.last_mailed_at <= ? AND c.email IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM responses r WHERE r.member_id = m.id AND r.status = 'complete')`,
  ).all(campaignId, step, due) as { id: number; customerId: number; arm: number; email: string; locale: 'de' | 'en' }[]
}

/** Whether a sending campaign still has work: queued mail, or members waiting for a reminder. */
export function campaignHasPendingWork(db: Db, campaignId: number, reminders: number): boolean {
  const row = cachedStatement(
    db,
    `SELECT EXISTS (SELECT 1 FROM messages WHERE campaign_id = @id AND status IN ('queued', 'sending'))
         OR EXISTS (SELECT 1 FROM campaign_members m JOIN customers cu ON cu.id = m.customer_id
              WHERE m.campaign_id = @id AND m.holdout = 0 AND m.mails_sent BETWEEN 1 AND @reminders AND cu.email IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM responses r WHERE r.member_id = m.id AND r.status = 'complete')) AS pending`,
  ).get({ id: campaignId, reminders }) as { pending: number }
  return row.pending === 1
}
