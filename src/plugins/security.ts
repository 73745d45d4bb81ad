import cookie from '@fastify/cookie'
import csrf from '@fastify/csrf-protection'
import formbody from '@fastify/formbody'
import helmet from '@fastify/helmet'
import rateLimit from '@fastify/rate-limit'
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { sessionSecret } from '../services/secrets.ts'

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Paths whose POSTs carry no form token: the JSON API (bearer keys), RFC 8058 one-click
 * unsubscribe, and the survey and opt-in pages, whose unguessable link is itself the secret a forger lacks.
 */
const csrfExempt = (url: string) => url.startsWith('/api/') || url.startsWith('/u/') || url.startsWith('/s/') || url.startsWith('/c/')

/** Security headers (helmet, strict CSP), cookies, form bodies, CSRF on every state-changing form, rate limits. */
export default fp(
  async (app) => {
    const https = app.config.secureCookies
    await app.register(helmet, {
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
    await app.register(cookie, { secret: sessionSecret(app.db, app.config.sessionSecret) })
    await app.register(formbody, { bodyLimit: 1024 * 1024 })
    await app.register(csrf, {
      sessionPlugin: '@fastify/cookie',
      cookieKey: 'cb_csrf',
      cookieOpts: { signed: true, httpOnly: true, sameSite: 'strict', path: '/', secure: https },
      getToken: (req: FastifyRequest) =>
        (req.body as Record<string, string> | undefined)?._csrf ??
        (req.headers['x-csrf-token'] as string | undefined) ??
        // Multipart uploads are streamed, so their token travels in the form's action URL.
        (req.query as Record<string, string> | undefined)?._csrf,
    })
    app.addHook('preValidation', (req, reply, done) => {
      if (safeMethods.has(req.method) || csrfExempt(req.url)) return done()
      app.csrfProtection(req, reply, done)
    })
    await app.register(rateLimit, { global: false })
  },
  { name: 'security', dependencies: ['db'] },
)
