import type { FastifyPluginAsync } from 'fastify'
import { z } from 'zod'
import { AppError, note } from '../domain/errors.ts'
import { FailureLimiter } from '../domain/failure-limiter.ts'
import { SESSION_COOKIE, sessionCookieOptions } from '../plugins/auth.ts'
import { viewLocals } from '../plugins/i18n.ts'
import { CSRF_COOKIE } from '../plugins/security.ts'
import { endSession, startSession } from '../services/sessions.ts'
import { verifyLogin } from '../services/users.ts'
import { addAuditEntry } from '../repos/audit.ts'

export interface LoginOptions {
  /** Failed sign-ins per client: the same count for unknown users and wrong passwords. */
  failures: FailureLimiter
}

/** 10 failed sign-ins in 5 minutes, then the client waits. */
export const loginFailureLimiter = () => new FailureLimiter(10, 5 * 60_000)

const loginForm = z.object({
  email: z.string().max(320).default(''),
  password: z.string().max(1024).default(''),
  // A line break here would end up in the Location header: refused before anything is done.
  lang: z.string().max(20).optional(),
  next: z.string().max(2000).regex(/^[^\x00-\x1f\x7f]*$/, 'the return address holds control characters').optional(),
})

/**
 * Only paths inside the admin area, resolved as a browser would: never an open redirect (no
 * `/admin/../\\host`), never a header split.
 */
function safeNext(next: string | undefined): string {
  if (!next || /[\\\x00-\x20\x7f]/.test(next)) return '/admin'
  const base = 'http://comeback.invalid'
  const url = URL.canParse(next, base) ? new URL(next, base) : null
  return url && url.origin === base && /^\/admin(?:\/|$)/.test(url.pathname) ? url.pathname + url.search : '/admin'
}

const loginRoutes: FastifyPluginAsync<LoginOptions> = async (app, options) => {
  app.get('/login', async (req, reply) => {
    if (req.user) return reply.redirect('/admin', 303)
    const next = z.object({ next: z.string().max(2000).optional() }).catch({}).parse(req.query).next
    return reply.view('login', { ...viewLocals(req.t), title: req.t('login.title'), csrfToken: reply.generateCsrf(), next })
  })

  app.post('/login', async (req, reply) => {
    const form = loginForm.parse(req.body)
    const failures = options.failures
    if (failures.blocked(req.ip)) {
      const seconds = failures.retryAfter(req.ip)
      reply.header('Retry-After', String(seconds))
      throw new AppError(note('err.tooManyLogins', { seconds }), 429, 'rate_limited')
    }
    const user = await verifyLogin(app.db, form.email, form.password)
    if (!user) {
      failures.fail(req.ip)
      // Failed sign-ins show in the audit log, with the address tried and where from.
      addAuditEntry(app.db, { actor: 'anonymous', action: 'login.failed', subject: form.email.trim().slice(0, 320), detail: { ip: req.ip } })
      return reply.code(401).view('login', {
        ...viewLocals(req.t),
        title: req.t('login.title'),
        csrfToken: reply.generateCsrf(),
        email: form.email,
        next: form.next,
        error: req.t('login.wrong'),
      })
    }
    const token = startSession(app.db, user)
    reply.setCookie(SESSION_COOKIE, token, sessionCookieOptions(app.config.secureCookies))
    // A new CSRF secret with the new session: a token learnt before sign-in is worth nothing after it.
    reply.clearCookie(CSRF_COOKIE, { path: '/' })
    return reply.redirect(safeNext(form.next), 303)
  })

  app.post('/logout', async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE]
    if (token) endSession(app.db, token, req.user?.email ?? 'unknown')
    reply.clearCookie(SESSION_COOKIE, { path: '/' })
    reply.clearCookie(CSRF_COOKIE, { path: '/' })
    return reply.redirect('/login', 303)
  })
}

export default loginRoutes
