import cookie from '@fastify/cookie'
import csrf from '@fastify/csrf-protection'
import formbody from '@fastify/formbody'
import Tokens from '@fastify/csrf'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import helmet from 'helmet'
import { AppError } from '../domain/errors.ts'
import { sessionSecret } from '../services/secrets.ts'

/** The cookie that holds the CSRF secret; renewed at sign-in and sign-out. */
export const CSRF_COOKIE = 'cb_csrf'

declare module 'fastify' {
  interface FastifyInstance {
    /** Check the CSRF token of a multipart upload, read from its first field; throws a 403. */
    verifyUploadCsrf: (req: FastifyRequest, reply: FastifyReply, token: unknown) => void
  }
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS'])
const isMultipart = (req: FastifyRequest) => /^multipart\/form-data\b/i.test(req.headers['content-type'] ?? '')

/**
 * Paths whose POSTs carry no form token: the JSON API (bearer keys), RFC 8058 one-click
 * unsubscribe, and the survey and opt-in pages, whose unguessable link is itself the secret a forger lacks.
 */
const csrfExempt = (url: string) => url.startsWith('/api/') || url.startsWith('/u/') || url.startsWith('/s/') || url.startsWith('/c/')

/** Security headers (helmet, strict CSP), cookies, form bodies, CSRF on every state-changing form. */
export default fp(
  async (app) => {
    const https = app.config.secureCookies
    // helmet's middleware, built once: @fastify/helmet built it again from the options on every
    // request (parsing the CSP each time), a twentieth of a survey page's time under load.
    const securityHeaders = helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
          objectSrc: ["'none'"],
          ...(https ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      strictTransportSecurity: https,
      referrerPolicy: { policy: 'same-origin' },
    })
    app.addHook('onRequest', (req, reply, done) => securityHeaders(req.raw, reply.raw, (err?: unknown) => done(err as Error | undefined)))
    await app.register(cookie, { secret: sessionSecret(app.db, app.config.sessionSecret) })
    await app.register(formbody, { bodyLimit: 1024 * 1024 })
    await app.register(csrf, {
      sessionPlugin: '@fastify/cookie',
      cookieKey: CSRF_COOKIE,
      cookieOpts: { signed: true, httpOnly: true, sameSite: 'strict', path: '/', secure: https },
      // Only from the form body: a token in a URL ends up in logs, histories and referrers.
      getToken: (req: FastifyRequest) => {
        const token = (req.body as Record<string, unknown> | undefined)?._csrf
        return typeof token === 'string' ? token : undefined
      },
    })
    app.addHook('preValidation', (req, reply, done) => {
      // A streamed upload's token is its first multipart field: the route checks it (verifyUploadCsrf).
      if (safeMethods.has(req.method) || csrfExempt(req.url) || isMultipart(req)) return done()
      app.csrfProtection(req, reply, done)
    })
    const uploadTokens = Tokens()
    app.decorate('verifyUploadCsrf', (req: FastifyRequest, reply: FastifyReply, token: unknown) => {
      const secret = reply.unsignCookie(req.cookies[CSRF_COOKIE] ?? '').value
      if (!secret || typeof token !== 'string' || !uploadTokens.verify(secret, token)) {
        throw new AppError('error.formExpiredText', 403, 'csrf')
      }
    })
  },
  { name: 'security', dependencies: ['db'] },
)
