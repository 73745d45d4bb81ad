import rateLimit from '@fastify/rate-limit'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { PassThrough } from 'node:stream'
import { ZodError, type z } from 'zod'
import type { ApiKey } from '../../db/schema.ts'
import { AppError, inEnglish, notFound } from '../../domain/errors.ts'
import type { ImportKind } from '../../domain/import-records.ts'
import { couponForApi, customerForApi, importBatch, pointsForApi, reportSuppressions } from '../../services/api-customers.ts'
import { exportSegment, type ExportPurpose } from '../../services/export.ts'
import { createSurveyLink, exitSurveyCampaign } from '../../services/links.ts'
import { issueCoupon, redeemCoupon } from '../../services/rewards.ts'
import { incentiveSchema, type Incentive } from '../../domain/rewards.ts'
import { readEmail } from '../../domain/import-records.ts'
import { addAuditEntry } from '../../repos/audit.ts'
import type { couponCreate, linkBody, redeemBody, suppressionRecord } from './schemas.ts'
import { eraseCustomer, exportCustomerData } from '../../services/privacy.ts'
import { getCustomerByExternalId } from '../../repos/customers.ts'
import { outboxFolder } from '../../mail/transport.ts'
import { authenticateApiKey } from '../../services/api-keys.ts'
import { builtInSegmentRefs, findSegment, savedSegmentRefs } from '../../services/segments.ts'
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

type Handler = (req: FastifyRequest, reply: FastifyReply, input: { params: Record<string, string>; query: Record<string, string>; body: unknown }) => unknown

/** The JSON API under /api/v1 (SPEC §12): bearer keys with a scope, a rate limit per key, problem details. */
const apiRoutes: FastifyPluginAsync<{ rateLimit?: number }> = async (app, opts) => {
  const defaults = { defaultLocale: app.config.defaultLocale, defaultCurrency: app.config.defaultCurrency }
  const batch = (kind: ImportKind): Handler => (req, _reply, { body }) => {
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
    getCustomer: (_req, _reply, { params }) => {
      const customer = customerForApi(app.db, params.customer_id!)
      if (!customer) throw notFound('customer')
      return customer
    },
    exportCustomer: (req, _reply, { params }) => exportCustomerData(app.db, customerId(params.customer_id!), `api:${req.apiKey!.name}`),
    eraseCustomer: (req, _reply, { params }) => {
      eraseCustomer(app.db, customerId(params.customer_id!), `api:${req.apiKey!.name}`, outboxFolder(app.config))
      return { erased: true }
    },
    getPoints: (_req, _reply, { params }) => pointsForApi(app.db, customerId(params.customer_id!)),
    exportSegment: (req, reply, { params, query }) => {
      const segment = findSegment(app.db, params.id!)
      const out = new PassThrough()
      const format = query.format as 'ndjson' | 'csv'
      // Streamed as it is read: any size, memory flat. An error after the first bytes ends the stream.
      exportSegment(app.db, segment, { purpose: query.purpose as ExportPurpose, format, delimiter: ',', actor: `api:${req.apiKey!.name}`, t: translator('en') }, out).catch((err: unknown) => out.destroy(err as Error))
      return reply.type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8').send(out)
    },
    createCoupon: (req, _reply, { body }) => {
      const b = body as z.infer<typeof couponCreate>
      const incentive = incentiveSchema.parse({ kind: 'coupon', percent: b.percent, amountCents: b.amount_cents, currency: b.currency ?? app.config.defaultCurrency, minOrderCents: b.min_order_cents, validDays: b.valid_days, prefix: b.prefix }) as Extract<Incentive, { kind: 'coupon' }>
      const coupon = issueCoupon(app.db, { customerId: b.customer_id === undefined ? null : customerId(b.customer_id), campaignId: null, incentive, now: new Date() })
      addAuditEntry(app.db, { actor: `api:${req.apiKey!.name}`, action: 'coupon.create', subject: coupon.code })
      return couponForApi(coupon)
    },
    redeemCoupon: (req, _reply, { params, body }) => {
      const b = body as z.infer<typeof redeemBody>
      return couponForApi(redeemCoupon(app.db, { code: params.code!, orderTotalCents: b.total_cents, currency: b.currency, order: b.order_id, actor: `api:${req.apiKey!.name}` }))
    },
    reportSuppressions: (req, _reply, { body }) => {
      const records = body as z.infer<typeof suppressionRecord>[]
      const bad = records.flatMap((r, i) => {
        try {
          readEmail(r.email.trim())
          return []
        } catch (e) {
          return [{ record: i, field: 'email', reason: e instanceof AppError ? inEnglish(e.note) : String(e) }]
        }
      })
      if (bad.length) throw Object.assign(new Error('invalid records'), { problem: { status: 422, title: 'Invalid records', detail: `${bad.length} of ${records.length} records are invalid; nothing was written.`, errors: bad.slice(0, 1000) } satisfies Problem })
      return reportSuppressions(app.db, records, `api:${req.apiKey!.name}`)
    },
    createLink: (req, _reply, { body }) => {
      const b = body as z.infer<typeof linkBody>
      const link = createSurveyLink(app.db, customerId(b.customer_id), { baseUrl: app.config.baseUrl, actor: `api:${req.apiKey!.name}`, campaignId: exitSurveyCampaign(app.db).id })
      return { url: link.url, expires_at: link.expiresAt }
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
        const query = op.query ? (op.query.parse(req.query) as Record<string, string>) : {}
        const body = op.body ? (op.body as z.ZodType).parse(req.body) : undefined
        return handlers[op.id as OperationId](req, reply, { params, query, body })
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
