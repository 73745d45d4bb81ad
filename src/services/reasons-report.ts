import type { Db } from '../db/client.ts'
import { churnReasons } from '../domain/survey.ts'
import { csatOf, npsOf } from '../domain/winback.ts'
import { monthly, reasonCounts, reasonDistribution, reasonsByValueTier, reasonTexts, type ResponseFilter } from '../repos/dashboard.ts'
import { builtInSegmentRefs, savedSegmentRefs, segmentWhere } from './segments.ts'
import { freeTextsOf } from './surveys.ts'

const reasonValues = churnReasons.map((r) => r.value)
export const valueTiers = ['high', 'medium', 'low', 'unknown'] as const
/** At most this many saved segments in the breakdown by segment (each is one grouped read). */
const MAX_SEGMENTS = 30

/**
 * The main reasons of the filtered answers per segment: the saved segments and the built-in ones
 * that are not a reason themselves and can hold answers ("mailed, no answer" cannot). Left out
 * when the filter already picks a segment.
 */
function reasonsBySegment(db: Db, f: ResponseFilter) {
  if (f.segment) return []
  const refs = [...savedSegmentRefs(db).slice(0, MAX_SEGMENTS), ...builtInSegmentRefs().filter((b) => b.reason === null && b.key !== 'mailed-no-answer')]
  return refs.map((ref) => {
    const counts = reasonCounts(db, { ...f, segment: segmentWhere(ref.rules) })
    return { segment: { key: ref.key, name: ref.name, reason: ref.reason }, answers: counts.reduce((n, c) => n + c.n, 0), counts: Object.fromEntries(counts.map((c) => [c.reason, c.n])) as Record<string, number> }
  })
}

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
    bySegment: reasonsBySegment(db, f),
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
