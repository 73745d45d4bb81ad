import type { Db } from '../db/client.ts'
import { churnReasons } from '../domain/survey.ts'
import { csatOf, npsOf } from '../domain/winback.ts'
import { monthly, reasonDistribution, reasonsByValueTier, reasonTexts, type ResponseFilter } from '../repos/dashboard.ts'
import { freeTextsOf } from './surveys.ts'

const reasonValues = churnReasons.map((r) => r.value)
export const valueTiers = ['high', 'medium', 'low', 'unknown'] as const

/** The churn-reasons dashboard (SPEC §8): distribution, by value tier, by month, and scores over time, for the filtered answers. */
export function reasonsReport(db: Db, f: ResponseFilter) {
  const dist = reasonDistribution(db, f, reasonValues)
  const byTier = reasonsByValueTier(db, f)
  const byMonth = monthly(db, f)
  const main = [...dist.main].sort((a, b) => b.n - a.n || a.reason.localeCompare(b.reason))
  const months = [...new Set(byMonth.scores.map((s) => s.month))]
  // The five most frequent main reasons as columns of the monthly table.
  const top = main.slice(0, 5).map((r) => r.reason)
  return {
    answers: dist.answers,
    main,
    any: dist.any.filter((r) => r.n > 0).sort((a, b) => b.n - a.n || a.reason.localeCompare(b.reason)),
    tiers: main.map((r) => ({ reason: r.reason, counts: Object.fromEntries(valueTiers.map((t) => [t, byTier.find((x) => x.reason === r.reason && x.tier === t)?.n ?? 0])) as Record<(typeof valueTiers)[number], number> })),
    top,
    months: months.map((month) => {
      const s = byMonth.scores.find((x) => x.month === month)!
      return {
        month,
        responses: s.responses,
        reasons: Object.fromEntries(top.map((r) => [r, byMonth.reasons.find((x) => x.month === month && x.reason === r)?.n ?? 0])),
        nps: { value: npsOf({ promoters: s.promoters, detractors: s.detractors, answers: s.npsAnswers }), answers: s.npsAnswers },
        csat: { value: csatOf({ satisfied: s.satisfied, answers: s.csatAnswers }), answers: s.csatAnswers },
        ces: { value: s.cesMean, answers: s.cesAnswers },
      }
    }),
  }
}

/** The free texts behind a main reason, one page. */
export function reasonFreeTexts(db: Db, f: ResponseFilter, reason: string, limit: number, offset: number) {
  const { rows, total } = reasonTexts(db, f, reason, limit, offset)
  return { total, rows: rows.map((r) => ({ ...r, texts: freeTextsOf(db, r.answers, r.surveyVersionId) })) }
}
