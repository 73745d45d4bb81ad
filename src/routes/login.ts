import type { FastifyPluginAsync } from 'fastify'
import { z } from 'zod'
import { SESSION_COOKIE, sessionCookieOptions } from '../plugins/auth.ts'
import { endSession, startSession } from '../services/sessions.ts'
import { verifyLogin } from '../services/users.ts'

export interface LoginOptions {
  /** Attempts per client and window: the same limit for unknown users and wrong passwords. */
  rateLimit: { max: number; timeWindow: number }
}

const loginForm = z.object({
  email: z.string().max(320).default(''),
  password: z.string().max(1024).default(''),
  next: z.string().max(2000).optional(),
})

/** Only paths inside the admin area: never an open redirect. */
const safeNext = (next: string | undefined) => (next && /^\/admin(\/|$|\?)/.test(next) ? next : '/admin')

const loginRoutes: FastifyPluginAsync<LoginOptions> = async (app, options) => {
  app.get('/login', async (req, reply) => {
    if (req.user) return reply.redirect('/admin', 303)
    const next = z.object({ next: z.string().max(2000).optional() }).catch({}).parse(req.query).next
    return reply.view('login', { title: 'Sign in', csrfToken: reply.generateCsrf(), next })
  })

  app.post(
    '/login',
    {
      config: {
        rateLimit: {
          ...options.rateLimit,
          errorResponseBuilder: (_req, ctx) => ({
            statusCode: 429,
            code: 'rate_limited',
            message: `Too many sign-in attempts. Try again in ${Math.ceil(ctx.ttl / 1000)} seconds.`,
          }),
        },
      },
    },
    async (req, reply) => {
      const form = loginForm.parse(req.body)
      const user = await verifyLogin(app.db, form.email, form.password)
      if (!user) {
        return reply.code(401).view('login', {
          title: 'Sign in',
          csrfToken: reply.generateCsrf(),
          email: form.email,
          next: form.next,
          error: 'Email or password is wrong.',
        })
      }
      const token = startSession(app.db, user)
      reply.setCookie(SESSION_COOKIE, token, sessionCookieOptions(app.config.secureCookies))
      return reply.redirect(safeNext(form.next), 303)
    },
  )

  app.post('/logout', async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE]
    if (token) endSession(app.db, token, req.user?.email ?? 'unknown')
    reply.clearCookie(SESSION_COOKIE, { path: '/' })
    return reply.redirect('/login', 303)
  })
}

export default loginRoutes
