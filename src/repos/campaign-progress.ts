import { cachedStatement, type Db } from '../db/client.ts'

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

const empty = (arm: number): ArmProgress => ({ arm, members: 0, holdout: 0, queued: 0, sent: 0, failed: 0, bounced: 0, skipped: 0, opened: 0, started: 0, completed: 0 })
const mailStates = { queued: 'queued', sending: 'queued', sent: 'sent', failed: 'failed', bounced: 'bounced', skipped: 'skipped' } as const

/**
 * Live progress of a campaign per incentive arm, and in total: mails by state, links opened,
 * answers. Grouped scans of the campaign's own rows (its members, its messages by the campaign
 * index), never one lookup per member.
 */
export function campaignProgress(db: Db, campaignId: number): { arms: ArmProgress[]; total: ArmProgress } {
  const byArm = new Map<number, ArmProgress>()
  const arm = (n: number) => byArm.get(n) ?? byArm.set(n, empty(n)).get(n)!
  const members = cachedStatement(
    db,
    `SELECT m.arm, count(*) AS members, sum(m.holdout) AS holdout, sum(m.opened_at IS NOT NULL) AS opened,
            sum(r.id IS NOT NULL) AS started, coalesce(sum(r.status = 'complete'), 0) AS completed
     FROM campaign_members m LEFT JOIN responses r ON r.member_id = m.id
     WHERE m.campaign_id = ? GROUP BY m.arm`,
  ).all(campaignId) as Pick<ArmProgress, 'arm' | 'members' | 'holdout' | 'opened' | 'started' | 'completed'>[]
  for (const m of members) Object.assign(arm(m.arm), m)
  // Mails by state and arm from the campaign index alone, in its order (no sorting). Mails queued
  // before messages kept their arm (arm null) look it up from their member, only if there are
  // any. Mails whose member is gone (erased) are not counted, as the member is not.
  const mails = cachedStatement(
    db,
    `SELECT x.status, x.kind, x.arm, count(*) AS n FROM messages x
     WHERE x.campaign_id = ? AND x.kind IN ('invitation', 'reminder') AND x.member_id IS NOT NULL
     GROUP BY x.status, x.kind, x.arm`,
  ).all(campaignId) as { arm: number | null; status: keyof typeof mailStates; n: number }[]
  const older = mails.some((m) => m.arm === null)
    ? (cachedStatement(
        db,
        `SELECT m.arm, x.status, count(*) AS n FROM messages x JOIN campaign_members m ON m.id = x.member_id
         WHERE x.campaign_id = ? AND x.kind IN ('invitation', 'reminder') AND x.arm IS NULL GROUP BY m.arm, x.status`,
      ).all(campaignId) as { arm: number; status: keyof typeof mailStates; n: number }[])
    : []
  for (const m of [...mails, ...older]) if (m.arm !== null) arm(m.arm)[mailStates[m.status]] += m.n
  const arms = [...byArm.values()].sort((a, b) => a.arm - b.arm)
  const total = empty(-1)
  for (const a of arms) for (const k of Object.keys(total) as (keyof ArmProgress)[]) if (k !== 'arm') total[k] += a[k]
  return { arms, total }
}
