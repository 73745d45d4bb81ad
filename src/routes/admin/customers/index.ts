import { outboxFolder } from '../../../mail/transport.ts'
import { eraseCustomer, exportCustomerData } from '../../../services/privacy.ts'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { offerFor } from '../../../services/export.ts'
import { getOffers } from '../../../services/settings.ts'
import { z } from 'zod'
import { lapseStatuses } from '../../../domain/lapse.ts'
import { customerSorts, type CustomerSort } from '../../../repos/customers.ts'
import { customerProfile, listCustomers } from '../../../services/customers.ts'
import { createSurveyLink } from '../../../services/links.ts'

const PAGE_SIZE = 50
const sorts = Object.keys(customerSorts) as [CustomerSort, ...CustomerSort[]]

const blank = (v: unknown) => (v === '' ? undefined : v)
const optionalNumber = (schema: z.ZodNumber) => z.preprocess(blank, z.coerce.number({ error: 'must be a number' }).pipe(schema).optional())
/** Money typed in whole or decimal currency units (12 or 12.50 or 12,50), as cents. */
const optionalMoney = z.preprocess(
  (v) => (typeof v === 'string' ? blank(v.replace(',', '.')) : v),
  z.coerce.number({ error: 'must be an amount' }).transform((n) => Math.round(n * 100)).optional(),
)

export const customerListQuery = z.object({
  q: z.string().max(200).optional(),
  status: z.preprocess(blank, z.enum([...lapseStatuses, 'none'], { error: 'is not a lapse status' }).optional()),
  warning: z.preprocess(blank, z.literal('1').optional()),
  min_days: optionalNumber(z.number().int().min(0, 'must be 0 or more')),
  min_orders: optionalNumber(z.number().int().min(0, 'must be 0 or more')),
  min_spend: optionalMoney,
  min_clv: optionalMoney,
  max_alive: optionalNumber(z.number().min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100')),
  min_priority: optionalMoney,
  // Anything outside the allow-list falls back to the default order.
  sort: z.enum(sorts).catch('name'),
  dir: z.enum(['asc', 'desc']).catch('asc'),
  page: z.coerce.number().int().min(1).max(1_000_000).catch(1),
})
export type CustomerListParams = z.infer<typeof customerListQuery>

const idParams = z.object({ id: z.coerce.number().int().positive() })
const eraseForm = z.object({ confirm: z.string().max(200).default('') })

/** /admin/customers: the list (search, filters, sort, pages) and one customer's page. Every role may look. */
const customerRoutes: FastifyPluginAsync = async (app) => {
  app.get('/', async (req, reply) => {
    const query = customerListQuery.parse(req.query)
    const { rows, total, totalIsAtLeast } = listCustomers(app.db, {
      q: query.q,
      status: query.status,
      warning: query.warning === '1',
      minDaysSince: query.min_days,
      minOrders: query.min_orders,
      minSpendCents: query.min_spend,
      minClvCents: query.min_clv,
      maxPAlive: query.max_alive === undefined ? undefined : query.max_alive / 100,
      minPriorityCents: query.min_priority,
      sort: query.sort,
      dir: query.dir,
      limit: PAGE_SIZE,
      offset: (query.page - 1) * PAGE_SIZE,
    })
    const erased = z.object({ erased: z.string().max(64).optional().catch(undefined) }).parse(req.query).erased
    // Past COUNT_CAP matches the pages are not counted: a next one is offered while this one is full.
    const pages = totalIsAtLeast ? (rows.length === PAGE_SIZE ? query.page + 1 : query.page) : Math.max(1, Math.ceil(total / PAGE_SIZE))
    const data = { title: req.t('customers.title'), query, rows, total, totalIsAtLeast, pages, erased }
    // The search box asks htmx for the rows only (contact.app's pattern); everything else gets the page.
    if (req.isHtmx && req.headers['hx-target'] === 'customer-results') return reply.view('admin/customers/_results', data)
    return reply.view('admin/customers/index', data)
  })

  function showCustomer(req: FastifyRequest, reply: FastifyReply, id: number, extra: Record<string, unknown> = {}) {
    const profile = customerProfile(app.db, id, req.t)
    const name = [profile.customer.firstName, profile.customer.lastName].filter(Boolean).join(' ') || profile.customer.externalId
    // The follow-up offer for the main reason of the latest answered survey.
    const answered = profile.responses.find((r) => r.status === 'complete' && r.mainReason)
    const offer = answered ? { reason: answered.mainReason!, text: offerFor(answered.mainReason, getOffers(app.db), req.t) } : null
    return reply.view('admin/customers/show', { title: name, name, ...profile, offer, ...extra })
  }

  app.get('/:id', async (req, reply) => showCustomer(req, reply, idParams.parse(req.params).id))

  // A personal survey link, to try the flow or to send by hand; it is shown once, only its hash is kept.
  app.post('/:id/link', { preHandler: app.requireUser('admin', 'manager', 'staff') }, async (req, reply) => {
    const { id } = idParams.parse(req.params)
    const link = createSurveyLink(app.db, id, { baseUrl: app.config.baseUrl, actor: req.user!.email })
    return showCustomer(req, reply, id, { link })
  })

  const admins = { preHandler: app.requireUser('admin') }
  // Privacy requests (GDPR Art. 15, 17, 20): the whole record as JSON, and erasure. Admins only, audited.
  app.get('/:id/export', admins, async (req, reply) => {
    const { id } = idParams.parse(req.params)
    const data = exportCustomerData(app.db, id, req.user!.email)
    return reply.header('Content-Disposition', `attachment; filename="customer-${id}.json"`).type('application/json; charset=utf-8').send(JSON.stringify(data, null, 2))
  })

  app.post('/:id/erase', admins, async (req, reply) => {
    const { id } = idParams.parse(req.params)
    const { confirm } = eraseForm.parse(req.body)
    const customer = customerProfile(app.db, id, req.t).customer
    if (confirm.trim() !== customer.externalId) return showCustomer(req, reply.code(400), id, { eraseError: true })
    eraseCustomer(app.db, id, req.user!.email, outboxFolder(app.config))
    return reply.redirect(`/admin/customers?erased=${encodeURIComponent(customer.externalId)}`, 303)
  })
}

export default customerRoutes
