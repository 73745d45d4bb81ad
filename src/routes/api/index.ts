import rateLimit from '@fastify/rate-limit'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { ZodError, type z } from 'zod'
import type { ApiKey } from '../../db/schema.ts'
import { AppError, inEnglish, notFound } from '../../domain/errors.ts'
import type { ImportKind } from '../../domain/import-records.ts'
import { customerForApi, importBatch } from '../../services/api-customers.ts'
import { eraseCustomer, exportCustomerData } from '../../services/privacy.ts'
import { getCustomerByExternalId } from '../../repos/customers.ts'
import { outboxFolder } from '../../mail/transport.ts'
import { authenticateApiKey } from '../../services/api-keys.ts'
import { builtInSegmentRefs, savedSegmentRefs } from '../../services/segments.ts'
import { translator } from '../../locales/index.ts'
import { formatter } from '../../domain/format.ts'
import { openApiDocument } from './openapi.ts'
import { operations, type OperationId, type OperationSpec } from './operations.ts'

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: ApiKey
  }
}

/** The analysis follows API writes once they have paused this long. */
const ANALYSIS_QUIET_MS = 10_000

/** Requests per key and minute, unless the app is told otherwise (tests). */
export const API_RATE_LIMIT = 600

type Problem = { status: number; title: string; detail?: string; errors?: { record: number | null; field: string | null; reason: string }[] }

/** RFC 9457 problem details, the API's one error shape. */
export function sendProblem(reply: FastifyReply, p: Problem) {
  return reply
    .code(p.status)
    .type('application/problem+json')
    .send({ type: 'about:blank', ...p })
}

type Handler = (req: FastifyRequest, input: { params: Record<string, string>; body: unknown }) => unknown

/** The JSON API under /api/v1 (SPEC §12): bearer keys with a scope, a rate limit per key, problem details. */
const apiRoutes: FastifyPluginAsync<{ rateLimit?: number }> = async (app, opts) => {
  const defaults = { defaultLocale: app.config.defaultLocale, defaultCurrency: app.config.defaultCurrency }
  const batch = (kind: ImportKind): Handler => (req, { body }) => {
    const report = importBatch(app.db, kind, body as Record<string, unknown>[], `api:${req.apiKey!.name}`, defaults)
    if (!report.imported) {
      throw Object.assign(new Error('invalid records'), {
        problem: {
          status: 422,
          title: 'Invalid records',
          detail: `${report.invalidRows} of ${report.rowsRead} records are invalid; nothing was written.`,
          errors: report.problems.map((p) => ({ record: p.line - 1, field: p.column, reason: p.reason })),
        } satisfies Problem,
      })
    }
    if (report.inserted + report.updated > 0) app.analysisJobs.requestWhenQuiet('import', ANALYSIS_QUIET_MS)
    const { inserted, updated, unchanged, couponsRedeemed, couponsRefused } = report
    return kind === 'orders' ? { inserted, updated, unchanged, couponsRedeemed, couponsRefused } : { inserted, updated, unchanged }
  }
  const en = formatter(translator('en'))
  const customerId = (externalId: string) => {
    const c = getCustomerByExternalId(app.db, externalId)
    if (!c) throw notFound('customer')
    return c.id
  }
  const handlers: Record<OperationId, Handler> = {
    upsertCustomers: batch('customers'),
    upsertOrders: batch('orders'),
    upsertEvents: batch('events'),
    getCustomer: (_req, { params }) => {
      const customer = customerForApi(app.db, params.customer_id!)
      if (!customer) throw notFound('customer')
      return customer
    },
    exportCustomer: (req, { params }) => exportCustomerData(app.db, customerId(params.customer_id!), `api:${req.apiKey!.name}`),
    eraseCustomer: (req, { params }) => {
      eraseCustomer(app.db, customerId(params.customer_id!), `api:${req.apiKey!.name}`, outboxFolder(app.config))
      return { erased: true }
    },
    listSegments: () => [
      ...savedSegmentRefs(app.db).map((s) => ({ id: s.key, name: s.name!, built_in: false })),
      ...builtInSegmentRefs().map((s) => ({ id: s.key, name: en.segmentName(s), built_in: true })),
    ],
  }

  app.addHook('onRequest', async (req, reply) => {
    const header = req.headers.authorization ?? ''
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1]
    const key = token ? authenticateApiKey(app.db, token) : undefined
    if (!key) {
      reply.header('WWW-Authenticate', 'Bearer')
      return sendProblem(reply, { status: 401, title: 'Unauthorized', detail: token ? 'This key does not work (unknown or revoked).' : 'Send an API key: Authorization: Bearer <key>.' })
    }
    req.apiKey = key
  })
  await app.register(rateLimit, {
    max: opts.rateLimit ?? API_RATE_LIMIT,
    timeWindow: 60_000,
    hook: 'preHandler',
    keyGenerator: (req) => `key:${req.apiKey?.id ?? req.ip}`,
    errorResponseBuilder: (_req, ctx) => Object.assign(new Error('rate limited'), { problem: { status: 429, title: 'Too Many Requests', detail: `At most ${ctx.max} requests a minute per key; try again in ${Math.ceil(ctx.ttl / 1000)} s.` } }),
  })

  app.setErrorHandler((error: Error & { problem?: Problem; statusCode?: number; validation?: unknown }, req, reply) => {
    if (error.problem) return sendProblem(reply, error.problem)
    if (error instanceof AppError) return sendProblem(reply, { status: error.statusCode, title: error.code, detail: inEnglish(error.note) })
    if (error instanceof ZodError) {
      return sendProblem(reply, {
        status: 400,
        title: 'Bad Request',
        detail: 'The request does not have the documented shape (see /api/openapi.json).',
        errors: error.issues.slice(0, 1000).map((i) => ({ record: typeof i.path[0] === 'number' ? i.path[0] : null, field: i.path.length > 1 ? String(i.path.at(-1)) : i.path.length === 1 && typeof i.path[0] === 'string' ? i.path[0] : null, reason: i.message })),
      })
    }
    const status = error.statusCode ?? 500
    if (status >= 500) req.log.error({ err: error }, 'api request failed')
    return sendProblem(reply, { status, title: status >= 500 ? 'Internal Server Error' : 'Request refused', detail: status >= 500 ? undefined : error.message })
  })

  for (const op of operations as readonly OperationSpec[]) {
    app.route({
      method: op.method,
      url: op.url,
      bodyLimit: op.bodyLimit,
      handler: async (req, reply) => {
        if (op.scope === 'write' && req.apiKey!.scope !== 'write') return sendProblem(reply, { status: 403, title: 'Forbidden', detail: `This needs a key with the write scope; "${req.apiKey!.name}" may only read.` })
        const params = op.params ? (op.params.parse(req.params) as Record<string, string>) : {}
        const body = op.body ? (op.body as z.ZodType).parse(req.body) : undefined
        return handlers[op.id as OperationId](req, { params, body })
      },
    })
  }
}

export default apiRoutes

/** /api/openapi.json and /api/docs: the document, and a page that shows it, served by the app itself. */
export const apiDocsRoutes: FastifyPluginAsync<{ version: string }> = async (app, opts) => {
  const doc = openApiDocument(opts.version)
  app.get('/openapi.json', async () => doc)
  app.get('/docs', async (_req, reply) => reply.view('api/docs', { doc, operations, title: 'Comeback API' }))
}
