import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { AppError } from '../../../domain/errors.ts'
import { listWebhooks, recentDeliveries } from '../../../repos/webhooks.ts'
import { addWebhook, removeWebhook, webhookEvents } from '../../../services/webhooks.ts'

const hookForm = z.object({ url: z.string().max(2000).default(''), events: z.union([z.string(), z.array(z.string())]).optional() })
const removeForm = z.object({ id: z.coerce.number().int().positive() })

/** /admin/webhooks: where Comeback tells the shop's systems what happened, and the log of deliveries. Admins only. */
const webhookRoutes: FastifyPluginAsync = async (app) => {
  const admin = { preHandler: app.requireUser('admin') }
  const page = (req: FastifyRequest, extra: Record<string, unknown> = {}) => ({
    title: req.t('webhooks.title'),
    hooks: listWebhooks(app.db).map((h) => ({ ...h, events: JSON.parse(h.events) as string[] })),
    deliveries: recentDeliveries(app.db),
    events: webhookEvents,
    ...extra,
  })

  app.get('/', admin, async (req, reply) => reply.view('admin/webhooks/index', page(req)))

  app.post('/', admin, async (req, reply) => {
    const form = hookForm.parse(req.body)
    const events = form.events === undefined ? [] : Array.isArray(form.events) ? form.events : [form.events]
    try {
      const hook = addWebhook(app.db, { url: form.url, events }, req.user!.email)
      return reply.view('admin/webhooks/index', page(req, { created: { url: hook.url, secret: hook.secret } }))
    } catch (e) {
      if (!(e instanceof AppError)) throw e
      return reply.code(e.statusCode).view('admin/webhooks/index', page(req, { error: e.note, form: { url: form.url, events } }))
    }
  })

  app.post('/remove', admin, async (req, reply) => {
    removeWebhook(app.db, removeForm.parse(req.body).id, req.user!.email)
    return reply.redirect('/admin/webhooks', 303)
  })
}

export default webhookRoutes
