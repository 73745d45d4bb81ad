import { type Db, writeTransaction } from '../db/client.ts'
import type { Campaign } from '../db/schema.ts'
import { followUpTemplates } from '../domain/campaign.ts'
import { DAY_MS } from '../domain/time.ts'
import { currentExclusion } from '../repos/campaign-targets.ts'
import { getCampaign, insertCampaign, updateCampaign } from '../repos/campaigns.ts'
import { addFollowUpMembers, dueComebacks, followUpOf, runningFollowUps } from '../repos/follow-ups.ts'
import { enqueueInvitations, skipQueuedMessages } from '../repos/messages.ts'
import { eligibilityRules } from './campaigns.ts'
import { ensureFollowUpSurvey } from './surveys.ts'
import { REACTIVATION_DAYS } from './winback.ts'

/** A check whose comeback is more than this many days overdue (the server was down) is not sent: it would ask about an order long past. */
const GRACE_DAYS = 7
/** Days the check's link stays valid. */
const LINK_DAYS = 14

/**
 * The follow-up check of a win-back campaign that starts now (SPEC §8 "after the comeback"): its
 * own campaign (kind followup), with the short follow-up survey, no incentive, no reminder and
 * no holdout, in the parent's send window and rate. No quiet period: the check belongs to the
 * conversation the parent began. Consent, objection, unsubscribes and bounces apply as to any mail.
 */
export function startFollowUp(db: Db, parent: Campaign, now: Date): Campaign | undefined {
  if (!parent.followUpDays) return undefined
  const existing = followUpOf(db, parent.id)
  if (existing) return existing
  return insertCampaign(db, {
    name: `${parent.name} · follow-up`.slice(0, 100),
    kind: 'followup',
    status: 'sending',
    parentId: parent.id,
    followUpDays: parent.followUpDays,
    surveyId: ensureFollowUpSurvey(db),
    incentives: '[]',
    holdoutPercent: 0,
    reminders: 0,
    reminderDays: '[]',
    sendDays: parent.sendDays,
    sendFrom: parent.sendFrom,
    sendTo: parent.sendTo,
    timeZone: parent.timeZone,
    ratePerMinute: parent.ratePerMinute,
    quietDays: 0,
    linkExpiryDays: LINK_DAYS,
    templates: JSON.stringify(followUpTemplates),
    startedAt: now.toISOString(),
    createdBy: parent.createdBy,
  })
}

/** The parent was cancelled: its check asks nobody more. */
export function cancelFollowUp(db: Db, parentId: number, now: Date): void {
  const f = followUpOf(db, parentId)
  if (!f || f.status === 'cancelled' || f.status === 'completed') return
  skipQueuedMessages(db, f.id, 'campaign cancelled')
  updateCampaign(db, f.id, { status: 'cancelled', finishedAt: now.toISOString() })
}

/**
 * Adds the won-back customers whose check is due to each running check and queues their mail;
 * ends a check once no comeback can fall due any more. Runs after every analysis (imports bring
 * the orders; the nightly run lets the days pass) and before `comeback campaign send`.
 */
export function enrolFollowUps(db: Db, now = new Date(), windowDays = REACTIVATION_DAYS): number {
  let added = 0
  for (const f of runningFollowUps(db)) {
    const parent = f.parentId === null ? undefined : getCampaign(db, f.parentId)
    if (!parent || !f.followUpDays) continue
    const dueBefore = new Date(now.getTime() - f.followUpDays * DAY_MS)
    const notBefore = new Date(dueBefore.getTime() - GRACE_DAYS * DAY_MS)
    const rules = eligibilityRules(db, 0, f.id, now)
    writeTransaction(db, () => {
      // Checked as at sending: nobody who objected, unsubscribed or bounced becomes a member at all.
      const due = dueComebacks(db, parent.id, windowDays, notBefore.toISOString(), dueBefore.toISOString()).filter((d) => currentExclusion(db, d.customerId, rules) === null)
      added += addFollowUpMembers(db, f.id, new Date(now.getTime() + LINK_DAYS * DAY_MS).toISOString(), now.toISOString(), due.map((d) => d.customerId))
      enqueueInvitations(db, f.id, now.toISOString())
    })
    const lastPossible = parent.finishedAt && Date.parse(parent.finishedAt) + (windowDays + f.followUpDays + GRACE_DAYS) * DAY_MS
    if (lastPossible && now.getTime() > lastPossible) updateCampaign(db, f.id, { status: 'completed', finishedAt: now.toISOString() })
  }
  return added
}
