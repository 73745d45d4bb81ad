import { eq } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { campaignMembers, campaigns, memberTokens, type Campaign, type CampaignMember } from '../db/schema.ts'

export function insertCampaign(db: Db, campaign: typeof campaigns.$inferInsert): Campaign {
  return db.insert(campaigns).values(campaign).returning().get()
}

export function getCampaign(db: Db, id: number): Campaign | undefined {
  return db.select().from(campaigns).where(eq(campaigns.id, id)).get()
}

export function updateCampaign(db: Db, id: number, changes: Partial<typeof campaigns.$inferInsert>): void {
  db.update(campaigns).set(changes).where(eq(campaigns.id, id)).run()
}

export function findCampaignByKind(db: Db, kind: Campaign['kind']): Campaign | undefined {
  return db.select().from(campaigns).where(eq(campaigns.kind, kind)).limit(1).get()
}

export function listCampaigns(db: Db): Campaign[] {
  return db.select().from(campaigns).where(eq(campaigns.kind, 'campaign')).orderBy(campaigns.id).all().reverse()
}

export function campaignsWithStatus(db: Db, status: Campaign['status']): Campaign[] {
  return db.select().from(campaigns).where(eq(campaigns.status, status)).all()
}

/** The member a survey token belongs to. */
export function getMemberByTokenHash(db: Db, tokenHash: string): CampaignMember | undefined {
  return db
    .select({ member: campaignMembers })
    .from(memberTokens)
    .innerJoin(campaignMembers, eq(campaignMembers.id, memberTokens.memberId))
    .where(eq(memberTokens.tokenHash, tokenHash))
    .get()?.member
}

export function getMember(db: Db, id: number): CampaignMember | undefined {
  return db.select().from(campaignMembers).where(eq(campaignMembers.id, id)).get()
}

/** Add a member, or renew the expiry of an existing one. */
export function upsertMember(db: Db, member: { campaignId: number; customerId: number; expiresAt: string; arm?: number; holdout?: boolean }): CampaignMember {
  return db
    .insert(campaignMembers)
    .values(member)
    .onConflictDoUpdate({ target: [campaignMembers.campaignId, campaignMembers.customerId], set: { expiresAt: member.expiresAt } })
    .returning()
    .get()
}

export function addMemberToken(db: Db, memberId: number, tokenHash: string): void {
  db.insert(memberTokens).values({ memberId, tokenHash }).run()
}

export function deleteMemberTokens(db: Db, memberId: number): void {
  db.delete(memberTokens).where(eq(memberTokens.memberId, memberId)).run()
}

export function markMemberOpened(db: Db, id: number, at: string): void {
  db.update(campaignMembers).set({ openedAt: at }).where(eq(campaignMembers.id, id)).run()
}

export function markMemberMailed(db: Db, id: number, at: string): void {
  db.$client.prepare('UPDATE campaign_members SET mails_sent = mails_sent + 1, last_mailed_at = ? WHERE id = ?').run(at, id)
}
