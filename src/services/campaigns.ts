import { DAY_MS } from '../domain/time.ts'
import type { SegmentWhere } from '../repos/segments.ts'
import { findSegment, segmentWhere } from './segments.ts'
import { dataStamp, readTransaction, type Db, writeTransaction } from '../db/client.ts'
import type { Campaign } from '../db/schema.ts'
import {
  allowedActions,
  campaignOptionsSchema,
  nextStatus,
  zonedTime,
  type CampaignAction,
  type CampaignOptions,
  type CampaignStatus,
  type CampaignTarget,
} from '../domain/campaign.ts'
import { AppError, invalidInput, note, notFound, type Note } from '../domain/errors.ts'
import { SeededRandom } from '../domain/random.ts'
import { incentiveSchema } from '../domain/rewards.ts'
import { addAuditEntry } from '../repos/audit.ts'
import { customerRowsHint } from '../repos/customers.ts'
import { eligibleCustomerIds, previewTarget, type EligibilityRules, type TargetPreview } from '../repos/campaign-targets.ts'
import { campaignHasPendingWork, campaignsWithStatus, getCampaign, insertCampaign, insertMembers, membersDueForReminder, updateCampaign } from '../repos/campaigns.ts'
import { campaignFailureCounts, enqueueInvitations, enqueueMessage, skipQueuedMessages } from '../repos/messages.ts'
import { cancelFollowUp, startFollowUp } from './follow-ups.ts'
import { getMailSettings } from './settings.ts'
import { campaignProgress } from '../repos/campaign-progress.ts'
import { cachedResult } from './result-cache.ts'


/** A campaign's options as the builder saw them. */
export function campaignOptions(c: Campaign): CampaignOptions {
  return {
    name: c.name,
    target: JSON.parse(c.target) as CampaignTarget,
    surveyId: c.surveyId,
    incentives: incentiveSchema.array().parse(JSON.parse(c.incentives)),
    holdoutPercent: c.holdoutPercent,
    reminders: c.reminders,
    reminderDays: JSON.parse(c.reminderDays) as number[],
    sendDays: JSON.parse(c.sendDays) as number[],
    sendFrom: c.sendFrom,
    sendTo: c.sendTo,
    timeZone: c.timeZone,
    ratePerMinute: c.ratePerMinute,
    quietDays: c.quietDays,
    linkExpiryDays: c.linkExpiryDays,
    followUpDays: c.followUpDays ?? 0,
    templates: JSON.parse(c.templates),
  }
}

function validate(input: unknown): CampaignOptions {
  const parsed = campaignOptionsSchema.safeParse(input)
  if (!parsed.success) {
    throw invalidInput(parsed.error, 'campaign')
  }
  return parsed.data
}

function columns(o: CampaignOptions) {
  return {
    name: o.name,
    surveyId: o.surveyId,
    incentives: JSON.stringify(o.incentives),
    target: JSON.stringify(o.target),
    holdoutPercent: o.holdoutPercent,
    reminders: o.reminders,
    reminderDays: JSON.stringify(o.reminderDays.slice(0, o.reminders)),
    sendDays: JSON.stringify([...new Set(o.sendDays)].sort()),
    sendFrom: o.sendFrom,
    sendTo: o.sendTo,
    timeZone: o.timeZone,
    ratePerMinute: o.ratePerMinute,
    quietDays: o.quietDays,
    linkExpiryDays: o.linkExpiryDays,
    followUpDays: o.followUpDays || null,
    templates: JSON.stringify(o.templates),
  }
}

export function createCampaign(db: Db, input: unknown, actor: string): Campaign {
  const options = validate(input)
  const campaign = insertCampaign(db, { ...columns(options), kind: 'campaign', status: 'draft', createdBy: actor })
  addAuditEntry(db, { actor, action: 'campaign.create', subject: String(campaign.id), detail: { name: options.name } })
  return campaign
}

export function eligibilityRules(db: Db, quietDays: number, campaignId: number | null, now = new Date()): EligibilityRules {
  return {
    existingCustomerBasis: getMailSettings(db).existingCustomerBasis,
    quietSince: quietDays > 0 ? new Date(now.getTime() - quietDays * DAY_MS).toISOString() : null,
    campaignId,
  }
}

/** The condition of the segment a target names, resolved at `now`; none when it names none. */
function targetSegment(db: Db, target: CampaignTarget, now = new Date()): SegmentWhere | undefined {
  return target.segment ? segmentWhere(findSegment(db, target.segment).rules, now) : undefined
}

/** The live count of a target: who would be mailed, who is left out and why, and the value at stake. */
export function previewCampaignTarget(
  db: Db,
  options: { target: CampaignTarget; quietDays: number; holdoutPercent: number },
  campaignId: number | null = null,
): TargetPreview & { holdout: number; mailed: number } {
  const preview = previewTarget(db, options.target, eligibilityRules(db, options.quietDays, campaignId), targetSegment(db, options.target))
  const holdout = Math.round((preview.eligible * options.holdoutPercent) / 100)
  return { ...preview, holdout, mailed: preview.eligible - holdout }
}

/**
 * Change a campaign's state, checked by the one transition table. Starting materialises the
 * members (holdout and incentive arms drawn at random) and queues the invitations, in one
 * transaction: nobody is mailed twice, and a crash leaves either all of it or none.
 *
 * Who becomes a member is worked out before that transaction, without the write lock (over a
 * million customers the reads take about as long as the writes, and respondents' answers wait
 * for the lock). The plan is used under the lock only if nothing was written to the database
 * since (`dataStamp`); otherwise it is made again there.
 */
export function changeCampaignState(
  db: Db,
  id: number,
  action: CampaignAction,
  actor: string,
  options: { now?: Date; scheduledAt?: string; reason?: Note; planned?: StartPlan | null } = {},
): Campaign {
  const now = options.now ?? new Date()
  const early = options.planned !== undefined ? options.planned : planStart(db, id, action, now)
  const planOf = (campaign: Campaign) => (early?.plan && early.stamp === dataStamp(db) ? early.plan : planMembers(db, campaign, now))
  writeTransaction(db, () => {
    const campaign = getCampaign(db, id)
    if (!campaign || campaign.kind !== 'campaign') throw notFound('campaign')
    const to = nextStatus(campaign.status as CampaignStatus, action)
    const at = now.toISOString()
    switch (action) {
      case 'schedule': {
        // An instant (ISO with zone) from the CLI, or the builder's wall-clock time in the campaign's zone.
        const given = options.scheduledAt?.trim() ?? ''
        const when = zonedTime(given, campaign.timeZone) ?? (/(?:[zZ]|[+-]\d{2}:\d{2})$/.test(given) && !Number.isNaN(Date.parse(given)) ? new Date(given) : null)
        if (!when) throw new AppError('err.scheduleWhen')
        if (when.getTime() < now.getTime() - 60_000) throw new AppError('err.schedulePast')
        updateCampaign(db, id, { status: to, scheduledAt: when.toISOString() })
        break
      }
      case 'start':
        materialise(db, campaign, now, planOf(campaign))
        updateCampaign(db, id, { status: to, startedAt: at, pauseReason: null })
        startFollowUp(db, campaign, now)
        break
      case 'pause':
        updateCampaign(db, id, { status: to, pauseReason: JSON.stringify(options.reason ?? note('note.pausedBy', { actor })) })
        break
      case 'resume':
        // A campaign paused before it started (an overdue schedule) starts now.
        if (!campaign.startedAt) materialise(db, campaign, now, planOf(campaign))
        updateCampaign(db, id, { status: to, pauseReason: null, startedAt: campaign.startedAt ?? at })
        startFollowUp(db, campaign, now)
        break
      case 'cancel':
        skipQueuedMessages(db, id, 'campaign cancelled')
        updateCampaign(db, id, { status: to, finishedAt: at })
        cancelFollowUp(db, id, now)
        break
      case 'complete':
        updateCampaign(db, id, { status: to, finishedAt: at })
        break
    }
    addAuditEntry(db, { actor, action: `campaign.${action}`, subject: String(id), detail: options.reason ? { reason: options.reason } : undefined })
  })
  return getCampaign(db, id)!
}

export interface MemberPlan {
  members: { customerId: number; holdout: boolean; arm: number }[]
  excluded: TargetPreview['excluded']
  holdout: number
  mailed: number
}

/** Who becomes a member, worked out before the write lock, and the state of the database it was worked out on. */
export interface StartPlan {
  plan: MemberPlan | null
  stamp: string
}

/** The members a start (or the resume of a campaign never started) will materialise, read in one snapshot without the write lock; null for any other action. */
export function planStart(db: Db, id: number, action: CampaignAction, now: Date): StartPlan | null {
  if (action !== 'start' && action !== 'resume') return null
  return readTransaction(db, () => {
    const campaign = getCampaign(db, id)
    let plan: MemberPlan | null = null
    if (campaign && campaign.kind === 'campaign' && !campaign.startedAt && allowedActions(campaign.status as CampaignStatus).includes(action)) plan = planMembers(db, campaign, now)
    return { plan, stamp: dataStamp(db) }
  })
}

/** Who becomes a member of a campaign that starts now: the eligible customers, the holdout and arms drawn. */
function planMembers(db: Db, campaign: Campaign, now: Date): MemberPlan {
  const options = campaignOptions(campaign)
  const rules = eligibilityRules(db, options.quietDays, campaign.id, now)
  // The segment's rules as they are now: membership is fixed when the campaign starts.
  const segment = targetSegment(db, options.target, now)
  const preview = previewTarget(db, options.target, rules, segment)
  const eligible = eligibleCustomerIds(db, options.target, rules, segment)
  // A draw that the campaign's id repeats: the same start gives the same holdout and arms.
  const rnd = new SeededRandom(`campaign:${campaign.id}`)
  const shuffled = [...eligible]
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(rnd.next() * (i + 1))
    ;[shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!]
  }
  const holdout = Math.round((shuffled.length * options.holdoutPercent) / 100)
  // Arms in turn over the shuffled order: as many customers in each, at random. The members are
  // then written in customer order: written in the shuffled order, every row and its invitation
  // landed at a random place in the indexes (at 333,333 members that took three times as long,
  // holding the write lock). Mail goes out in that order; who is held out or in which arm stays drawn at random.
  const members = shuffled.map((customerId, i) => ({ customerId, holdout: i < holdout, arm: i < holdout ? 0 : (i - holdout) % options.incentives.length }))
  members.sort((a, b) => a.customerId - b.customerId)
  return { members, excluded: preview.excluded, holdout, mailed: shuffled.length - holdout }
}

/** Members and invitations of a campaign that starts now, as planned. */
function materialise(db: Db, campaign: Campaign, now: Date, plan: MemberPlan): void {
  const expiresAt = new Date(now.getTime() + campaignOptions(campaign).linkExpiryDays * DAY_MS).toISOString()
  insertMembers(db, campaign.id, expiresAt, plan.members)
  enqueueInvitations(db, campaign.id, now.toISOString())
  updateCampaign(db, campaign.id, { exclusions: JSON.stringify({ ...plan.excluded, holdout: plan.holdout, mailed: plan.mailed }) })
}

/** Reminders to members who have not answered, each after its delay since the previous mail. */
export function scheduleReminders(db: Db, now = new Date()): number {
  let queued = 0
  for (const campaign of campaignsWithStatus(db, 'sending')) {
    if (campaign.kind !== 'campaign' || campaign.reminders === 0) continue
    const days = JSON.parse(campaign.reminderDays) as number[]
    for (let step = 1; step <= campaign.reminders; step++) {
      const due = new Date(now.getTime() - (days[step - 1] ?? 7) * DAY_MS).toISOString()
      for (const m of membersDueForReminder(db, campaign.id, step, due)) {
        const added = enqueueMessage(db, {
          customerId: m.customerId,
          campaignId: campaign.id,
          memberId: m.id,
          arm: m.arm,
          kind: 'reminder',
          dedupeKey: `campaign:${campaign.id}:member:${m.id}:mail:${step + 1}`,
          toAddress: m.email,
          locale: m.locale,
          payload: JSON.stringify({ step: step + 1 }),
          notBefore: now.toISOString(),
        })
        if (added) queued++
      }
    }
  }
  return queued
}

/**
 * Scheduled campaigns whose time has come start (through `start`: the sender runs a large shop's
 * start in a worker thread); one found long overdue (downtime) waits for a person.
 */
export async function startDueCampaigns(db: Db, now: Date, start: (id: number) => unknown): Promise<void> {
  const overdueMs = getMailSettings(db).overdueMinutes * 60_000
  for (const c of campaignsWithStatus(db, 'scheduled')) {
    if (!c.scheduledAt || Date.parse(c.scheduledAt) > now.getTime()) continue
    if (now.getTime() - Date.parse(c.scheduledAt) > overdueMs) {
      changeCampaignState(db, c.id, 'pause', 'scheduler', { now, reason: note('note.pausedOverdue', { when: c.scheduledAt.slice(0, 16).replace('T', ' ') }) })
    } else {
      await start(c.id)
    }
  }
}

/** From this many customers on, a start (members drawn, invitations queued) runs in a worker thread. */
export const START_IN_WORKER_FROM = 20_000

/**
 * Whether an action draws a campaign's members over a shop this large: it then runs in a worker
 * thread on a connection of its own, so that the server keeps answering while it writes (at
 * 333,333 members it takes seconds). Smaller starts run at once, without a thread's start-up.
 */
export function startsInWorker(db: Db, action: CampaignAction): boolean {
  return (action === 'start' || action === 'resume') && customerRowsHint(db) >= START_IN_WORKER_FROM
}

/** A sending campaign is completed when nothing is queued and nobody is waiting for a reminder. */
export function completeFinishedCampaigns(db: Db, now = new Date()): void {
  for (const c of campaignsWithStatus(db, 'sending')) {
    if (c.kind !== 'campaign') continue
    if (!campaignHasPendingWork(db, c.id, c.reminders)) changeCampaignState(db, c.id, 'complete', 'scheduler', { now })
  }
}

/** Pause a campaign whose mails fail too often: at least 20 attempts and more than a fifth failed or bounced. */
export function pauseOnErrors(db: Db, campaignId: number, now = new Date()): boolean {
  const row = campaignFailureCounts(db, campaignId)
  const c = getCampaign(db, campaignId)
  if (!c || c.status !== 'sending' || row.tried < 20 || row.bad / row.tried <= 0.2) return false
  changeCampaignState(db, campaignId, 'pause', 'sender', { now, reason: note('note.pausedFailures', { bad: row.bad, tried: row.tried }) })
  return true
}

/**
 * A campaign's live progress as its page and the campaigns list show it: recounted after every
 * change while that is quick, and kept up to 60 times its counting time when it is not (a
 * campaign of several hundred thousand members takes about half a second), as result-cache.ts
 * keeps slow figures.
 */
export function campaignProgressNow(db: Db, id: number): ReturnType<typeof campaignProgress> {
  return cachedResult(db, `campaign-progress:${id}`, () => campaignProgress(db, id)).value
}
