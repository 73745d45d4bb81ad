import type { FastifyPluginAsync } from 'fastify'
import { rankChart } from '../../../domain/charts.ts'
import { viewLocals } from '../../../plugins/i18n.ts'
import { stakeChart } from '../../../services/analysis-report.ts'
import { gainedOf } from '../../../services/dashboard.ts'
import { ageOf, within } from '../../../services/result-cache.ts'
import { REACTIVATION_DAYS } from '../../../services/winback.ts'
import { dashboardFilter, dashboardLocals, dashboardQuery } from '../dashboard-filter.ts'

/** /admin: the Overview for managers and admins (SPEC §8); staff start on the customer list. */
const overviewRoutes: FastifyPluginAsync = async (app) => {
  app.get('/', async (req, reply) => {
    if (req.user!.role === 'staff') return reply.redirect('/admin/customers', 303)
    const q = dashboardQuery.parse(req.query)
    const cached = await app.figure({ name: 'overview', filter: dashboardFilter(app, q) })
    const o = cached.value
    // Each started campaign's win-back, as its page shows and keeps it (computed ahead over a big
    // shop). One after another: one not kept yet is a worker thread's work, never many at once.
    // The page does not wait long for them: until they are in, the one figure says so and the page
    // asks again (the figures go on being worked out meanwhile).
    const liftsKept = (async () => {
      const lifts = []
      for (const campaignId of o.started) lifts.push(await app.figure({ name: 'lift', campaignId, windowDays: REACTIVATION_DAYS }))
      return lifts
    })()
    const lifts = await within(liftsKept, (err) => req.log.warn({ err }, 'win-back figures for the Overview'), reply.elapsedTime)
    const { fmt } = viewLocals(req.t)
    const data = {
      title: req.t('overview.title'),
      ...o,
      gained: lifts ? gainedOf(lifts.map((l) => l.value.overall)) : null,
      gainedPending: lifts === null,
      cached: ageOf([cached, ...(lifts ?? [])]),
      ...dashboardLocals(app, q),
      stakeChart: o.latest && stakeChart(o.latest, req.t),
      reasonChart: o.reasons.length ? rankChart({ categories: o.reasons.map((r) => fmt.reason(r.reason)), values: o.reasons.map((r) => r.n), formatValue: (v) => fmt.number(v) }) : null,
    }
    if (req.isHtmx && req.headers['hx-target'] === 'overview-body') return reply.view('admin/overview/_body', data)
    return reply.view('admin/overview/index', data)
  })
}

export default overviewRoutes
