import type { FastifyPluginAsync } from 'fastify'
import { rankChart } from '../../../domain/charts.ts'
import { viewLocals } from '../../../plugins/i18n.ts'
import { stakeChart } from '../../../services/analysis-report.ts'
import { overview } from '../../../services/dashboard.ts'

/** /admin: the Overview for managers and admins (SPEC §8); staff start on the customer list. */
const overviewRoutes: FastifyPluginAsync = async (app) => {
  app.get('/', async (req, reply) => {
    if (req.user!.role === 'staff') return reply.redirect('/admin/customers', 303)
    const o = overview(app.db)
    const { fmt } = viewLocals(req.t)
    return reply.view('admin/overview/index', {
      title: req.t('overview.title'),
      ...o,
      stakeChart: o.latest && stakeChart(o.latest, req.t),
      reasonChart: o.reasons.length ? rankChart({ categories: o.reasons.map((r) => fmt.reason(r.reason)), values: o.reasons.map((r) => r.n), formatValue: (v) => fmt.number(v) }) : null,
    })
  })
}

export default overviewRoutes
