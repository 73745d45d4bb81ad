import type { FastifyPluginAsync } from 'fastify'
import { z } from 'zod'
import { translator } from '../../locales/index.ts'
import type { Translate } from '../../domain/i18n.ts'
import { hashToken } from '../../domain/tokens.ts'
import { getCustomer } from '../../repos/customers.ts'
import { getOptInRequestByTokenHash } from '../../repos/messages.ts'
import { confirmOptIn } from '../../services/consent.ts'
import { TOKEN_PATTERN } from '../../services/respond.ts'
import { getBrand } from '../../services/settings.ts'
import type { FailureLimiter } from '../../domain/failure-limiter.ts'
import { badTokenLimiter, BUSY, personalPageHeaders, resolveToken, writeOrBusy } from './token-guard.ts'

const params = z.object({ token: z.string().max(100) })

/**
 * /c/:token — the double opt-in link. GET asks (a mail scanner following the link confirms
 * nothing), POST confirms. The POST needs no form token: the link itself is the secret.
 */
const confirmRoutes: FastifyPluginAsync<{ badTokens?: FailureLimiter }> = async (app, options) => {
  const badTokens = options.badTokens ?? badTokenLimiter()
  app.addHook('onRequest', personalPageHeaders)

  function find(token: string) {
    if (!TOKEN_PATTERN.test(token)) return null
    const request = getOptInRequestByTokenHash(app.db, hashToken(token))
    if (!request || (!request.confirmedAt && Date.parse(request.expiresAt) < Date.now())) return null
    const customer = getCustomer(app.db, request.customerId)
    return customer ? { request, customer } : null
  }

  for (const method of ['GET', 'POST'] as const) {
    app.route({
      method,
      url: '/c/:token',
      handler: async (req, reply) => {
        const { token } = params.parse(req.params)
        const found = resolveToken(req, reply, badTokens, app.config.defaultLocale, () => find(token))
        if (!found) return reply
        const locale = found.customer.locale
        const t = translator(locale)
        const confirmed = found.request.confirmedAt === null && method === 'POST' ? writeOrBusy(req, reply, 'opt-in confirmation', () => confirmOptIn(app.db, found.request.id)) : false
        const done = found.request.confirmedAt !== null || confirmed === true
        return reply.view('public/confirm', { lang: locale, t, title: t(done ? 'public.confirmedTitle' : 'public.mailOptInSubject'), company: getBrand(app.db).name, token, email: found.request.email, done, busy: confirmed === BUSY })
      },
    })
  }
}

export default confirmRoutes
