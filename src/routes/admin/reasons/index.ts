import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { barChart, rankChart } from '../../../domain/charts.ts'
import { churnReasons } from '../../../domain/survey.ts'
import { viewLocals } from '../../../plugins/i18n.ts'
import { dashboardFilter, dashboardLocals, dashboardQuery, dashboardQueryString } from '../dashboard-filter.ts'
import { reasonFreeTexts, valueTiers } from '../../../services/reasons-report.ts'

const PAGE_SIZE = 20
const reasonParams = z.object({ reason: z.enum(churnReasons.map((r) => r.value) as [string, ...string[]]) })

/** /admin/reasons: why customers left, for managers and admins; filtered by campaign, dates, segment and language. */
const reasonRoutes: FastifyPluginAsync = async (app) => {
  const managers = { preHandler: app.requireUser('admin', 'manager') }

  app.get('/', managers, async (req, reply) => {
    const q = dashboardQuery.parse(req.query)
    const cached = await app.figure({ name: 'reasons', filter: dashboardFilter(app, q) })
    const report = cached.value
    const { fmt } = viewLocals(req.t)
    const data = {
      title: req.t('reasons.title'),
      ...dashboardLocals(app, q),
      report,
      cached,
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
    const q = dashboardQuery.parse(req.query)
    const { rows, total } = reasonFreeTexts(app.db, dashboardFilter(app, q), reason, PAGE_SIZE, (q.page - 1) * PAGE_SIZE)
    const { fmt } = viewLocals(req.t)
    return reply.view('admin/reasons/show', { title: fmt.reason(reason), reason, query: q, qs: dashboardQueryString(q), rows, total, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)) })
  })
}

export default reasonRoutes
