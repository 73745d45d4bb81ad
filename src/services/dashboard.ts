import type { Db } from '../db/client.ts'
import { csatOf, npsOf } from '../domain/winback.ts'
import { listCampaigns } from '../repos/campaigns.ts'
import { reasonCounts, responseRate, scoreCounts, wonBack, type ResponseFilter } from '../repos/dashboard.ts'
import { latestAnalysis } from './analysis-report.ts'
import { campaignOverallLift, REACTIVATION_DAYS } from './winback.ts'

/** What the Overview shows a manager (SPEC §8): one read of each figure, nothing per customer in JavaScript. */
export function overview(db: Db, f: ResponseFilter = {}) {
  const counts = scoreCounts(db, f)
  const campaigns = listCampaigns(db)
  const started = campaigns.filter((c) => c.kind === 'campaign' && c.startedAt && (f.campaignId === undefined || c.id === f.campaignId))
  // Revenue gained against the holdout, summed over the campaigns that have enough customers in both groups to tell.
  const measured = started.map((c) => campaignOverallLift(db, c.id)).filter((l) => l.enough)
  return {
    latest: latestAnalysis(db),
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
    windowDays: REACTIVATION_DAYS,
    gained: measured.length ? { cents: measured.reduce((s, l) => s + (l.gainedCents ?? 0), 0), campaigns: measured.length } : null,
  }
}
