import type { FastifyPluginAsync } from 'fastify'
import { z } from 'zod'
import { customerSortColumns, type CustomerSort } from '../../../repos/customers.ts'
import { customerProfile, listCustomers } from '../../../services/customers.ts'

const PAGE_SIZE = 50
const sorts = Object.keys(customerSortColumns) as [CustomerSort, ...CustomerSort[]]

const listQuery = z.object({
  q: z.string().max(200).optional().catch(undefined),
  // Anything outside the allow-list falls back to the default order.
  sort: z.enum(sorts).catch('name'),
  dir: z.enum(['asc', 'desc']).catch('asc'),
  page: z.coerce.number().int().min(1).max(1_000_000).catch(1),
})

const idParams = z.object({ id: z.coerce.number().int().positive() })

/** /admin/customers: the list (search, sort, pages) and one customer's page. Every role may look. */
const customerRoutes: FastifyPluginAsync = async (app) => {
  app.get('/', async (req, reply) => {
    const query = listQuery.parse(req.query)
    const { rows, total } = listCustomers(app.db, {
      q: query.q,
      sort: query.sort,
      dir: query.dir,
      limit: PAGE_SIZE,
      offset: (query.page - 1) * PAGE_SIZE,
    })
    const data = { title: 'Customers', query, rows, total, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)) }
    // The search box asks htmx for the rows only (contact.app's pattern); everything else gets the page.
    if (req.isHtmx && req.headers['hx-target'] === 'customer-results') return reply.view('admin/customers/_results', data)
    return reply.view('admin/customers/index', data)
  })

  app.get('/:id', async (req, reply) => {
    const { id } = idParams.parse(req.params)
    const profile = customerProfile(app.db, id)
    const name = [profile.customer.firstName, profile.customer.lastName].filter(Boolean).join(' ') || profile.customer.externalId
    return reply.view('admin/customers/show', { title: name, name, ...profile })
  })
}

export default customerRoutes
