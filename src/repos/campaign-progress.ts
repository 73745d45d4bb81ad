import type { Db } from '../db/client.ts'

export interface ArmProgress {
  arm: number
  members: number
  holdout: number
  queued: number
  sent: number
  failed: number
  bounced: number
  skipped: number
  opened: number
  started: number
  completed: number
}

/** Live progress of a campaign per incentive arm, and in total: mails by state, links opened, answers. */
export function campaignProgress(db: Db, campaignId: number): { arms: ArmProgress[]; total: ArmProgress } {
  const arms = db.$client
    .prepare(
      `SELECT m.arm,
         count(*) AS members,
         sum(m.holdout) AS holdout,
         sum(m.opened_at IS NOT NULL) AS opened,
         sum(r.id IS NOT NULL) AS started,
         coalesce(sum(r.status = 'complete'), 0) AS completed,
         coalesce(sum((SELECT count(*) FROM messages x WHERE x.member_id = m.id AND x.status IN ('queued', 'sending'))), 0) AS queued,
         coalesce(sum((SELECT count(*) FROM messages x WHERE x.member_id = m.id AND x.status = 'sent')), 0) AS sent,
         coalesce(sum((SELECT count(*) FROM messages x WHERE x.member_id = m.id AND x.status = 'failed')), 0) AS failed,
         coalesce(sum((SELECT count(*) FROM messages x WHERE x.member_id = m.id AND x.status = 'bounced')), 0) AS bounced,
         coalesce(sum((SELECT count(*) FROM messages x WHERE x.member_id = m.id AND x.status = 'skipped')), 0) AS skipped
       FROM campaign_members m LEFT JOIN responses r ON r.member_id = m.id
       WHERE m.campaign_id = ? GROUP BY m.arm ORDER BY m.arm`,
    )
    .all(campaignId) as ArmProgress[]
  const total: ArmProgress = { arm: -1, members: 0, holdout: 0, queued: 0, sent: 0, failed: 0, bounced: 0, skipped: 0, opened: 0, started: 0, completed: 0 }
  for (const a of arms) for (const k of Object.keys(total) as (keyof ArmProgress)[]) if (k !== 'arm') total[k] += a[k] ?? 0
  return { arms, total }
}
