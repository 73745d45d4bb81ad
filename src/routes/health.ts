import type { FastifyPluginAsync } from 'fastify'
import { migrationsApplied } from '../db/client.ts'

/** /healthz: the process is alive. /readyz: the database answers and every migration is applied. */
const healthRoutes: FastifyPluginAsync = async (app) => {
  app.get('/healthz', async () => ({ status: 'ok' }))
  app.get('/readyz', async (_req, reply) => {
    try {
      // Reading the migrations table is the query: it fails when the database does not answer.
      if (!migrationsApplied(app.db)) return reply.code(503).send({ status: 'migrations pending' })
      return { status: 'ready' }
    } catch {
      return reply.code(503).send({ status: 'database unavailable' })
    }
  })
}

export default healthRoutes
