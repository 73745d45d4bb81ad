import type { Db } from '../db/client.ts'
import { lapseStatuses } from '../domain/lapse.ts'
import { csatOf, npsOf } from '../domain/winback.ts'
import { listCampaigns } from '../repos/campaigns.ts'
import { followUpCounts, reasonCounts, responseRate, scoreCounts, stakesByStatus, wonBack, type ResponseFilter } from '../repos/dashboard.ts'
import { latestAnalysis } from './analysis-report.ts'
import { REACTIVATION_DAYS, type CampaignLift } from './winback.ts'

/** Whether the filter narrows the customers (campaign, language, segment); dates narrow only answers, mails and orders. */
const narrowsCustomers = (f: ResponseFilter) => f.campaignId !== undefined || f.locale !== undefined || f.segment !== undefined

/** The analysis' value at stake, for the filtered customers when the filter narrows them. */
function stakes(db: Db, f: ResponseFilter) {
  const latest = latestAnalysis(db)
  if (!latest || !narrowsCustomers(f)) return latest
  const rows = stakesByStatus(db, f)
  const statuses = lapseStatuses.map((status) => {
    const row = rows.find((r) => r.status === status)
    return { status, customers: row?.customers ?? 0, valueIfWonCents: row?.valueIfWonCents ?? 0, expectedValueCents: row?.expectedValueCents ?? 0 }
  })
  return { ...latest, statuses, filtered: true }
}

/** The scores of the follow-up checks after a comeback (SPEC §8): CSAT and CES with their answers, and how many were asked. */
export function afterComeback(db: Db, f: ResponseFilter = {}) {
  const counts = scoreCounts(db, { ...f, followUp: true })
  return {
    ...followUpCounts(db, f),
    csat: { value: csatOf({ satisfied: counts.satisfied, answers: counts.csatAnswers }), answers: counts.csatAnswers },
    ces: { value: counts.cesMean, answers: counts.cesAnswers },
  }
}

/**
 * What the Overview shows a manager (SPEC §8): one read of each figure, nothing per customer in
 * JavaScript. The revenue gained comes from the started campaigns' win-back figures (`gainedOf`),
 * which are figures of their own: the campaign pages show and keep the same ones, and over a big
 * shop each takes seconds, so the Overview must not work them out a second time.
 */
export function overview(db: Db, f: ResponseFilter = {}) {
  const counts = scoreCounts(db, f)
  const campaigns = listCampaigns(db)
  return {
    /** The campaigns whose win-back counts towards the revenue gained. */
    started: campaigns.filter((c) => c.kind === 'campaign' && c.startedAt && (f.campaignId === undefined || c.id === f.campaignId)).map((c) => c.id),
    latest: stakes(db, f),
    running: campaigns.filter((c) => c.kind === 'campaign' && ['sending', 'scheduled', 'paused'].includes(c.status)),
    rate: responseRate(db, f),
    scores: {
      responses: counts.responses,
      nps: { value: npsOf({ promoters: counts.promoters, detractors: counts.detractors, answers: counts.npsAnswers }), answers: counts.npsAnswers },
      csat: { value: csatOf({ satisfied: counts.satisfied, answers: counts.csatAnswers }), answers: counts.csatAnswers },
      ces: { value: counts.cesMean, answers: counts.cesAnswers },
    },
    reasons: reasonCounts(db, f),
    wonBack: wonBack(db, REACTIVATION_DAYS, f),
    afterComeback: afterComeback(db, f),
    windowDays: REACTIVATION_DAYS,
  }
}

/** Revenue gained against the holdout, summed over the campaigns with enough customers in both groups to tell; null when none has. */
export function gainedOf(lifts: CampaignLift['overall'][]): { cents: number; campaigns: number } | null {
  const measured = lifts.filter((l) => l.enough)
  return measured.length ? { cents: measured.reduce((s, l) => s + (l.gainedCents ?? 0), 0), campaigns: measured.length } : null
}
