import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { AppError } from '../../../domain/errors.ts'
import { listApiKeys } from '../../../repos/api-keys.ts'
import { apiScopes, createApiKey, revokeApiKey } from '../../../services/api-keys.ts'

const keyForm = z.object({ name: z.string().max(200).default(''), scope: z.string().max(20).default('') })
const revokeForm = z.object({ name: z.string().max(200) })

/** /admin/api-keys: keys of the JSON API, made (shown once) and revoked by admins. */
const apiKeyRoutes: FastifyPluginAsync = async (app) => {
  const admin = { preHandler: app.requireUser('admin') }
  const page = (req: FastifyRequest, extra: Record<string, unknown> = {}) => ({ title: req.t('apikeys.title'), keys: listApiKeys(app.db), scopes: apiScopes, ...extra })

  app.get('/', admin, async (req, reply) => reply.view('admin/api-keys/index', page(req)))

  app.post('/', admin, async (req, reply) => {
    const form = keyForm.parse(req.body)
    try {
      const { key, row } = createApiKey(app.db, form, req.user!.email)
      // The key is shown this once; only its hash is kept.
      return reply.view('admin/api-keys/index', page(req, { created: { name: row.name, scope: row.scope, key } }))
    } catch (e) {
      if (!(e instanceof AppError)) throw e
      return reply.code(e.statusCode).view('admin/api-keys/index', page(req, { error: e.note, form }))
    }
  })

  app.post('/revoke', admin, async (req, reply) => {
    const { name } = revokeForm.parse(req.body)
    revokeApiKey(app.db, name, req.user!.email)
    return reply.redirect('/admin/api-keys', 303)
  })
}

export default apiKeyRoutes
