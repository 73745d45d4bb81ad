import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { ZodError } from 'zod'
import type { Config } from './config.ts'
import type { Db } from './db/client.ts'
import type { MailTransport } from './mail/transport.ts'
import { AppError, inEnglish, note, renderNote, type Note } from './domain/errors.ts'
import authPlugin from './plugins/auth.ts'
import i18nPlugin, { viewLocals } from './plugins/i18n.ts'
import dbPlugin from './plugins/db.ts'
import jobsPlugin from './plugins/jobs.ts'
import securityPlugin from './plugins/security.ts'
import viewPlugin from './plugins/view.ts'
import accountRoutes from './routes/admin/account/index.ts'
import analysisRoutes from './routes/admin/analysis/index.ts'
import auditRoutes from './routes/admin/audit/index.ts'
import apiKeyRoutes from './routes/admin/api-keys/index.ts'
import webhookRoutes from './routes/admin/webhooks/index.ts'
import campaignRoutes from './routes/admin/campaigns/index.ts'
import customerRoutes from './routes/admin/customers/index.ts'
import importRoutes from './routes/admin/imports/index.ts'
import outboxRoutes from './routes/admin/outbox/index.ts'
import overviewRoutes from './routes/admin/overview/index.ts'
import potentialRoutes from './routes/admin/potential/index.ts'
import reasonRoutes from './routes/admin/reasons/index.ts'
import segmentRoutes from './routes/admin/segments/index.ts'
import settingsRoutes from './routes/admin/settings/index.ts'
import surveyAdminRoutes from './routes/admin/surveys/index.ts'
import userRoutes from './routes/admin/users/index.ts'
import healthRoutes from './routes/health.ts'
import loginRoutes, { loginFailureLimiter } from './routes/login.ts'
import confirmRoutes from './routes/public/confirm.ts'
import surveyRoutes from './routes/public/survey.ts'
import type { FailureLimiter } from './domain/failure-limiter.ts'
import { badTokenLimiter } from './routes/public/token-guard.ts'
import unsubscribeRoutes from './routes/public/unsubscribe.ts'
import apiRoutes, { apiDocsRoutes, sendProblem } from './routes/api/index.ts'
import { APP_VERSION } from './paths.ts'

export interface AppOptions {
  config: Config
  /** An open, migrated database (tests); without it the app opens config.dbFile. */
  db?: Db
  logger?: boolean | object
  /** Wrong sign-ins per client (default 10 in 5 minutes). */
  loginFailures?: FailureLimiter
  /** Unknown personal links per client (default 20 in 10 minutes). */
  badTokens?: FailureLimiter
  /** Where mail goes; by default SMTP_URL or the outbox folder. */
  mailTransport?: MailTransport
  /** API requests per key and minute (default API_RATE_LIMIT). */
  apiRateLimit?: number
  /** Schedule the nightly analysis (the server does; tests need not). */
  nightlyJobs?: boolean
}

/** The whole app as a plugin tree: plugins, then every route, then the error pages. No logic here. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    // Startup, warnings and errors only: a line per request is the reverse proxy's job.
    logController: new LogController({ disableRequestLogging: true }),
    // Behind a reverse proxy (TRUST_PROXY) req.ip is the real client, so limits count per client.
    trustProxy: options.config.trustProxy,
    bodyLimit: 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true },
  })

  await app.register(dbPlugin, { config: options.config, db: options.db })
  await app.register(securityPlugin)
  await app.register(viewPlugin)
  await app.register(authPlugin)
  await app.register(i18nPlugin)
  await app.register(jobsPlugin, { nightly: options.nightlyJobs ?? false, transport: options.mailTransport })

  // Before the routes: a route keeps the error handler in force when it was added.
  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler((req, reply) => sendError(req, reply, 404, 'not_found', note('error.pageNotFound'), note('error.nothingHere')))

  await app.register(healthRoutes)
  await app.register(loginRoutes, { failures: options.loginFailures ?? loginFailureLimiter() })
  // One count of bad tokens for both public paths: probing one helps nobody with the other.
  const badTokens = options.badTokens ?? badTokenLimiter()
  await app.register(surveyRoutes, { badTokens })
  await app.register(unsubscribeRoutes, { badTokens })
  await app.register(confirmRoutes, { badTokens })
  app.get('/', async (_req, reply) => reply.redirect('/admin', 303))
  await app.register(apiRoutes, { prefix: '/api/v1', rateLimit: options.apiRateLimit })
  await app.register(apiDocsRoutes, { prefix: '/api', version: APP_VERSION })

  await app.register(
    async (admin) => {
      // Staff pages show personal data: never kept in a browser or proxy cache, gone after logout.
      admin.addHook('onRequest', (_req, reply, done) => {
        reply.header('Cache-Control', 'no-store')
        done()
      })
      admin.addHook('preHandler', app.requireUser())
      admin.addHook('preHandler', async (req, reply) => {
        reply.locals = { user: req.user, csrfToken: reply.generateCsrf(), currentPath: req.url, ...viewLocals(req.t) }
      })
      await admin.register(overviewRoutes)
      await admin.register(customerRoutes, { prefix: '/customers' })
      await admin.register(potentialRoutes, { prefix: '/potential' })
      await admin.register(analysisRoutes, { prefix: '/analysis' })
      await admin.register(surveyAdminRoutes, { prefix: '/surveys' })
      await admin.register(segmentRoutes, { prefix: '/segments' })
      await admin.register(reasonRoutes, { prefix: '/reasons' })
      await admin.register(campaignRoutes, { prefix: '/campaigns' })
      await admin.register(outboxRoutes, { prefix: '/outbox' })
      await admin.register(importRoutes, { prefix: '/imports' })
      await admin.register(userRoutes, { prefix: '/users' })
      await admin.register(settingsRoutes, { prefix: '/settings' })
      await admin.register(accountRoutes, { prefix: '/account' })
      await admin.register(auditRoutes, { prefix: '/audit' })
      await admin.register(apiKeyRoutes, { prefix: '/api-keys' })
      await admin.register(webhookRoutes, { prefix: '/webhooks' })
    },
    { prefix: '/admin' },
  )

  return app
}

function errorHandler(this: FastifyInstance, error: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) {
  if (error instanceof AppError) {
    return sendError(req, reply, error.statusCode, error.code, headingFor(error.statusCode), error.note)
  }
  if (error instanceof ZodError) {
    // Request shapes the forms never send (hand-made requests): the field's name and zod's words.
    const issue = error.issues[0]
    return sendError(req, reply, 400, 'invalid_input', note('error.invalidInput'), `${issue?.path.length ? `${issue.path.join('.')}: ` : ''}${issue?.message ?? ''}`)
  }
  const status = (error as FastifyError).statusCode ?? 500
  const code = (error as FastifyError).code ?? 'error'
  if (code === 'FST_CSRF_INVALID_TOKEN' || code === 'FST_CSRF_MISSING_SECRET') {
    return sendError(req, reply, 403, 'csrf', note('error.formExpired'), note('error.formExpiredText'))
  }
  if (status < 500) return sendError(req, reply, status, code, headingFor(status), error.message)
  req.log.error({ err: error }, 'request failed')
  // 5xx: the user gets no internals.
  return sendError(req, reply, 500, 'internal', headingFor(500), note('error.internal'))
}

const headings = new Set([400, 401, 403, 404, 409, 413, 429])
function headingFor(status: number): Note {
  return note(headings.has(status) ? (`error.heading.${status}` as 'error.heading.400') : 'error.heading.500')
}

/** The error page (or JSON for API clients) in the reader's language; JSON messages stay English. */
function sendError(req: FastifyRequest, reply: FastifyReply, status: number, code: string, heading: Note, message: Note | string) {
  if (req.url.startsWith('/api/')) return sendProblem(reply, { status, title: code, detail: typeof message === 'string' ? message : inEnglish(message) })
  reply.code(status)
  const wantsJson = (!req.headers.accept?.includes('text/html') && req.headers.accept?.includes('application/json'))
  const t = req.t
  const text = (m: Note | string) => (typeof m === 'string' ? m : renderNote(m, t))
  if (wantsJson) return reply.send({ error: { code, message: typeof message === 'string' ? message : inEnglish(message) } })
  const csrfToken = req.user ? reply.generateCsrf() : undefined
  return reply.view('error', { ...viewLocals(t), title: text(heading), heading: text(heading), message: text(message), statusCode: status, user: req.user, csrfToken })
}
