import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Role } from '../db/schema.ts'
import { forbidden } from '../domain/errors.ts'
import { resumeSession, type SessionUser } from '../services/sessions.ts'

export const SESSION_COOKIE = 'cb_session'

declare module 'fastify' {
  interface FastifyRequest {
    user: SessionUser | null
  }
  interface FastifyInstance {
    /** preHandler: a signed-in user is required (else to the login page); with roles, one of them. */
    requireUser: (...roles: Role[]) => (req: FastifyRequest, reply: FastifyReply) => Promise<void>
  }
}

/** Sessions: an opaque random token in an HttpOnly cookie, its hash and expiry in the database. */
export default fp(
  async (app) => {
    app.decorateRequest('user', null)
    // Hooks that do not wait on anything take `done` rather than being async: no promise per request.
    app.addHook('onRequest', (req, _reply, done) => {
      const token = req.cookies[SESSION_COOKIE]
      if (token) req.user = resumeSession(app.db, token) ?? null
      done()
    })
    app.decorate('requireUser', (...roles: Role[]) => async (req: FastifyRequest, reply: FastifyReply) => {
      if (!req.user) {
        const next = encodeURIComponent(req.url)
        if (req.isHtmx) {
          reply.header('HX-Redirect', `/login?next=${next}`).code(401).send()
        } else {
          reply.redirect(`/login?next=${next}`, 303)
        }
        return reply
      }
      if (roles.length > 0 && !roles.includes(req.user.role)) throw forbidden()
    })
  },
  { name: 'auth', dependencies: ['db', 'security'] },
)

export function sessionCookieOptions(secure: boolean) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure }
}
