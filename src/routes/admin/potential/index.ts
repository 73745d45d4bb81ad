import type { FastifyPluginAsync } from 'fastify'
import { z } from 'zod'
import { lapseStatuses } from '../../../domain/lapse.ts'
import { listByPriority } from '../../../repos/analysis.ts'
import { latestAnalysis, stakeChart } from '../../../services/analysis-report.ts'

const PAGE_SIZE = 50
const query = z.object({
  status: z.enum([...lapseStatuses, 'all']).catch('lapsed'),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
})

/** /admin/potential: who is worth winning back, ranked by priority, and the value at stake per status. */
const potentialRoutes: FastifyPluginAsync = async (app) => {
  app.get('/', { preHandler: app.requireUser('admin', 'manager') }, async (req, reply) => {
    const q = query.parse(req.query)
    const { rows, total } = listByPriority(app.db, q.status === 'all' ? null : q.status, PAGE_SIZE, (q.page - 1) * PAGE_SIZE)
    const latest = latestAnalysis(app.db)
    return reply.view('admin/potential/index', {
      title: req.t('potential.title'),
      latest,
      stakeChart: latest && stakeChart(latest, req.t),
      query: q,
      rows,
      total,
      pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
      offset: (q.page - 1) * PAGE_SIZE,
    })
  })
}

export default potentialRoutes
