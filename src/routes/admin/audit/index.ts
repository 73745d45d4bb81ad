import type { FastifyPluginAsync } from 'fastify'
import { z } from 'zod'
import { auditChoices, listAuditEntries } from '../../../repos/audit.ts'

const PAGE_SIZE = 50
const blank = (v: unknown) => (v === '' ? undefined : v)
const day = z.preprocess(blank, z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().catch(undefined))
const auditQuery = z.object({
  kind: z.preprocess(blank, z.string().max(40).optional()),
  actor: z.preprocess(blank, z.string().max(320).optional()),
  from: day,
  to: day,
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
})

/** /admin/audit: who did what and when (exports, segments, campaigns, settings, sign-ins). Admins only. */
const auditRoutes: FastifyPluginAsync = async (app) => {
  app.get('/', { preHandler: app.requireUser('admin') }, async (req, reply) => {
    const q = auditQuery.parse(req.query)
    const { rows, total } = listAuditEntries(app.db, q, PAGE_SIZE, (q.page - 1) * PAGE_SIZE)
    return reply.view('admin/audit/index', { title: req.t('audit.title'), query: q, rows, total, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)), ...auditChoices(app.db) })
  })
}

export default auditRoutes
