import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { changeCampaignState, planStart } from '../../src/services/campaigns.ts'
import { tempDatabase } from '../helpers/build-app.ts'
import { testCampaign } from '../helpers/campaigns.ts'
import { importText } from '../helpers/factories.ts'

/**
 * Who becomes a member of a starting campaign is worked out before the write lock is taken (over
 * a big shop those reads take seconds that answers would otherwise wait), and used under the lock
 * only if nothing was written since.
 */
describe('a campaign start plans its members without the write lock', () => {
  let t: ReturnType<typeof tempDatabase>
  const now = new Date('2026-06-30T10:00:00Z')
  beforeEach(async () => {
    t = tempDatabase()
    await importText(t.db, 'customers', ['customer_id,email,first_name,locale,email_consent', ...Array.from({ length: 12 }, (_, i) => `P${i},p${i}@example.com,Pia,de,granted`)].join('\n'))
  })
  afterEach(() => t.cleanup())
  const members = (campaignId: number) => t.db.$client.prepare('SELECT c.external_id FROM campaign_members m JOIN customers c ON c.id = m.customer_id WHERE m.campaign_id = ? ORDER BY c.id').pluck().all(campaignId) as string[]
  const invitations = (campaignId: number) => (t.db.$client.prepare("SELECT count(*) FROM messages WHERE campaign_id = ? AND kind = 'invitation'").pluck().get(campaignId) as number)

  it('plans while another connection holds the write lock', () => {
    const campaign = testCampaign(t.db)
    const other = new Database(t.file)
    other.exec('BEGIN IMMEDIATE')
    try {
      const planned = planStart(t.db, campaign.id, 'start', now)
      expect(planned?.plan?.members).toHaveLength(12)
    } finally {
      other.exec('ROLLBACK')
      other.close()
    }
    // Nothing but a start (or the resume of a campaign never started) has members to plan.
    expect(planStart(t.db, campaign.id, 'pause', now)).toBeNull()
  })

  it('uses the plan when nothing was written since', () => {
    const campaign = testCampaign(t.db)
    const planned = planStart(t.db, campaign.id, 'start', now)!
    // A plan told apart from one made again: one member fewer.
    planned.plan!.members.pop()
    changeCampaignState(t.db, campaign.id, 'start', 'test', { now, planned })
    expect(members(campaign.id)).toHaveLength(11)
    expect(invitations(campaign.id)).toBe(11)
  })

  it('plans again under the lock when another connection wrote in between: nobody who objected meanwhile becomes a member', () => {
    const campaign = testCampaign(t.db)
    const planned = planStart(t.db, campaign.id, 'start', now)!
    expect(planned.plan!.members).toHaveLength(12)
    const other = new Database(t.file)
    other.prepare("UPDATE customers SET email_consent = 'objected' WHERE external_id = 'P3'").run()
    other.close()
    changeCampaignState(t.db, campaign.id, 'start', 'test', { now, planned })
    expect(members(campaign.id)).toHaveLength(11)
    expect(members(campaign.id)).not.toContain('P3')
    expect(invitations(campaign.id)).toBe(11)
  })

  it('plans again when this connection wrote in between', () => {
    const campaign = testCampaign(t.db)
    const planned = planStart(t.db, campaign.id, 'start', now)!
    t.db.$client.prepare("UPDATE customers SET email_consent = 'objected' WHERE external_id = 'P4'").run()
    changeCampaignState(t.db, campaign.id, 'start', 'test', { now, planned })
    expect(members(campaign.id)).not.toContain('P4')
    expect(members(campaign.id)).toHaveLength(11)
  })
})
