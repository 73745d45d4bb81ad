import { and, eq } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { campaignMembers, campaigns, type Campaign, type CampaignMember } from '../db/schema.ts'

export function insertCampaign(db: Db, campaign: typeof campaigns.$inferInsert): Campaign {
  return db.insert(campaigns).values(campaign).returning().get()
}

export function getCampaign(db: Db, id: number): Campaign | undefined {
  return db.select().from(campaigns).where(eq(campaigns.id, id)).get()
}

export function findCampaignByKind(db: Db, kind: Campaign['kind']): Campaign | undefined {
  return db.select().from(campaigns).where(eq(campaigns.kind, kind)).limit(1).get()
}

export function getMemberByTokenHash(db: Db, tokenHash: string): CampaignMember | undefined {
  return db.select().from(campaignMembers).where(eq(campaignMembers.tokenHash, tokenHash)).get()
}

export function getMember(db: Db, id: number): CampaignMember | undefined {
  return db.select().from(campaignMembers).where(eq(campaignMembers.id, id)).get()
}

/** Add a member, or give an existing one a new token (the old link stops working) and expiry. */
export function upsertMember(
  db: Db,
  member: { campaignId: number; customerId: number; tokenHash: string; expiresAt: string; arm?: number },
): CampaignMember {
  return db
    .insert(campaignMembers)
    .values(member)
    .onConflictDoUpdate({
      target: [campaignMembers.campaignId, campaignMembers.customerId],
      set: { tokenHash: member.tokenHash, expiresAt: member.expiresAt },
    })
    .returning()
    .get()
}

export function markMemberOpened(db: Db, id: number, at: string): void {
  db.update(campaignMembers).set({ openedAt: at }).where(and(eq(campaignMembers.id, id))).run()
}
