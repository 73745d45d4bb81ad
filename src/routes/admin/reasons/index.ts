import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { barChart, rankChart } from '../../../domain/charts.ts'
import { churnReasons } from '../../../domain/survey.ts'
import { viewLocals } from '../../../plugins/i18n.ts'
import { listCampaigns } from '../../../repos/campaigns.ts'
import type { ResponseFilter } from '../../../repos/dashboard.ts'
import { reasonFreeTexts, reasonsReport, valueTiers } from '../../../services/reasons-report.ts'
import { builtInSegmentRefs, findSegment, savedSegmentRefs, segmentWhere } from '../../../services/segments.ts'

const PAGE_SIZE = 20
const blank = (v: unknown) => (v === '' ? undefined : v)
const day = z.preprocess(blank, z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().catch(undefined))
/** The filters, kept in the URL so that a view can be bookmarked and shared; anything else is ignored. */
const filterQuery = z.object({
  campaign: z.preprocess(blank, z.coerce.number().int().positive().optional().catch(undefined)),
  from: day,
  to: day,
  locale: z.preprocess(blank, z.enum(['de', 'en']).optional().catch(undefined)),
  segment: z.preprocess(blank, z.string().regex(/^[a-z0-9-]{1,40}$/).optional().catch(undefined)),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
})
type FilterQuery = z.infer<typeof filterQuery>
const reasonParams = z.object({ reason: z.enum(churnReasons.map((r) => r.value) as [string, ...string[]]) })

/** /admin/reasons: why customers left, for managers and admins; filtered by campaign, dates, segment and language. */
const reasonRoutes: FastifyPluginAsync = async (app) => {
  const managers = { preHandler: app.requireUser('admin', 'manager') }

  function filterOf(q: FilterQuery): ResponseFilter {
    return { campaignId: q.campaign, from: q.from, to: q.to, locale: q.locale, segment: q.segment ? segmentWhere(findSegment(app.db, q.segment).rules) : undefined }
  }
  const choices = () => ({
    campaigns: listCampaigns(app.db).filter((c) => c.kind === 'campaign'),
    segments: [...savedSegmentRefs(app.db), ...builtInSegmentRefs()],
  })
  const queryString = (q: FilterQuery) => {
    const p = new URLSearchParams()
    for (const k of ['campaign', 'from', 'to', 'locale', 'segment'] as const) if (q[k] !== undefined) p.set(k, String(q[k]))
    return p.toString()
  }

  app.get('/', managers, async (req, reply) => {
    const q = filterQuery.parse(req.query)
    const report = reasonsReport(app.db, filterOf(q))
    const { fmt } = viewLocals(req.t)
    const data = {
      title: req.t('reasons.title'),
      query: q,
      qs: queryString(q),
      ...choices(),
      report,
      tiers: valueTiers,
      mainChart: report.main.length ? rankChart({ categories: report.main.map((r) => fmt.reason(r.reason)), values: report.main.map((r) => r.n), formatValue: (v) => fmt.number(v) }) : null,
      anyChart: report.any.length ? rankChart({ categories: report.any.map((r) => fmt.reason(r.reason)), values: report.any.map((r) => r.n), formatValue: (v) => fmt.number(v) }) : null,
      monthChart: report.months.length
        ? barChart({ categories: report.months.map((m) => fmt.month(m.month)), series: [{ name: req.t('reasons.answersPerMonth'), values: report.months.map((m) => m.responses) }], formatValue: (v) => fmt.number(v) })
        : null,
    }
    if (req.isHtmx && req.headers['hx-target'] === 'reasons-body') return reply.view('admin/reasons/_body', data)
    return reply.view('admin/reasons/index', data)
  })

  app.get('/:reason', managers, async (req: FastifyRequest, reply) => {
    const { reason } = reasonParams.parse(req.params)
    const q = filterQuery.parse(req.query)
    const { rows, total } = reasonFreeTexts(app.db, filterOf(q), reason, PAGE_SIZE, (q.page - 1) * PAGE_SIZE)
    const { fmt } = viewLocals(req.t)
    return reply.view('admin/reasons/show', { title: fmt.reason(reason), reason, query: q, qs: queryString(q), rows, total, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)) })
  })
}

export default reasonRoutes
