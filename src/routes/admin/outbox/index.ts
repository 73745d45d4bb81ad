import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FastifyPluginAsync } from 'fastify'
import { simpleParser } from 'mailparser'
import { z } from 'zod'
import { notFound } from '../../../domain/errors.ts'
import { outboxFolder } from '../../../mail/transport.ts'
import { countMessages, getMessage, listMessages } from '../../../repos/messages.ts'
import { sendMailHtml } from '../campaigns/index.ts'

const PAGE_SIZE = 50
const listQuery = z.object({
  status: z.enum(['queued', 'sending', 'sent', 'failed', 'bounced', 'skipped']).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
})
const idParams = z.object({ id: z.coerce.number().int().positive() })

/** /admin/outbox: every message with its state; without SMTP, each mail as the customer sees it. */
const outboxRoutes: FastifyPluginAsync = async (app) => {
  const managers = { preHandler: app.requireUser('admin', 'manager') }
  const folder = outboxFolder(app.config)

  app.get('/', managers, async (req, reply) => {
    const q = listQuery.parse(req.query)
    const total = countMessages(app.db, q.status)
    return reply.view('admin/outbox/index', {
      title: req.t('outbox.title'),
      query: q,
      messages: listMessages(app.db, q.status, PAGE_SIZE, (q.page - 1) * PAGE_SIZE),
      total,
      pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
      transport: app.config.smtpUrl ? { kind: 'smtp', where: new URL(app.config.smtpUrl).host } : { kind: 'folder', where: folder },
    })
  })

  async function parsed(id: number) {
    const message = getMessage(app.db, id)
    if (!message) throw notFound('message')
    // Only the file name is stored; it never leaves the outbox folder.
    const mail = message.storedFile ? await simpleParser(await readFile(join(folder, message.storedFile.replace(/[/\\]/g, '')))).catch(() => null) : null
    return { message, mail }
  }

  app.get('/:id', managers, async (req, reply) => {
    const { message, mail } = await parsed(idParams.parse(req.params).id)
    return reply.view('admin/outbox/show', { title: message.subject ?? req.t('outbox.messageN', { n: message.id }), message, mail: mail && { subject: mail.subject, text: mail.text, hasHtml: Boolean(mail.html), headers: [...mail.headerLines].map((h) => h.line) } })
  })

  app.get('/:id/html', managers, async (req, reply) => {
    const { mail } = await parsed(idParams.parse(req.params).id)
    if (!mail?.html) throw notFound('mail')
    return sendMailHtml(reply, mail.html)
  })
}

export default outboxRoutes
