import { note } from '../../domain/errors.ts'
import type { FastifyPluginAsync } from 'fastify'
import { z } from 'zod'
import { translator } from '../../locales/index.ts'
import type { Translate } from '../../domain/i18n.ts'
import { hashToken } from '../../domain/tokens.ts'
import { getMemberByTokenHash } from '../../repos/campaigns.ts'
import { getCustomer } from '../../repos/customers.ts'
import { unsubscribe } from '../../services/consent.ts'
import { getBrand } from '../../services/settings.ts'
import { TOKEN_PATTERN } from '../../services/respond.ts'
import type { FailureLimiter } from '../../domain/failure-limiter.ts'
import { badTokenLimiter, BUSY, personalPageHeaders, resolveToken, writeOrBusy } from './token-guard.ts'

const params = z.object({ token: z.string().max(100) })
const lang = z.object({ lang: z.enum(['de', 'en']).optional().catch(undefined) })

/** Hides most of an address on a page anyone with the link can see: a***@example.com. */
const mask = (email: string | null) => (email ? email.replace(/^(.)[^@]*/, '$1***') : '')

/**
 * /u/:token — GET shows a confirmation (so that link scanners unsubscribe nobody), POST
 * unsubscribes at once. The POST needs no form token: RFC 8058 one-click comes from the mail client.
 * Unsubscribing works for as long as the link exists, expired survey or not.
 */
const unsubscribeRoutes: FastifyPluginAsync<{ badTokens?: FailureLimiter }> = async (app, options) => {
  const badTokens = options.badTokens ?? badTokenLimiter()
  app.addHook('onRequest', personalPageHeaders)

  function find(token: string) {
    if (!TOKEN_PATTERN.test(token)) return null
    const member = getMemberByTokenHash(app.db, hashToken(token))
    const customer = member && getCustomer(app.db, member.customerId)
    return customer ? { member: member!, customer } : null
  }

  app.get('/u/:token', async (req, reply) => {
    const { token } = params.parse(req.params)
    const asked = lang.parse(req.query).lang
    const found = resolveToken(req, reply, badTokens, asked ?? app.config.defaultLocale, () => find(token))
    if (!found) return reply
    const locale = asked ?? found.customer.locale
    const t = translator(locale)
    return reply.view('public/unsubscribe', {
      lang: locale,
      t,
      title: t('public.unsubscribeTitle'),
      company: getBrand(app.db).name,
      token,
      email: mask(found.customer.email),
      done: found.customer.emailConsent === 'objected',
    })
  })

  app.post('/u/:token', async (req, reply) => {
    const { token } = params.parse(req.params)
    const found = resolveToken(req, reply, badTokens, app.config.defaultLocale, () => find(token))
    if (!found) return reply
    const locale = found.customer.locale
    const t = translator(locale)
    const oneClick = (req.body as Record<string, string> | undefined)?.['List-Unsubscribe'] === 'One-Click'
    const wording = oneClick ? 'List-Unsubscribe=One-Click (RFC 8058)' : `${t('public.unsubscribeTitle')} ${t('public.unsubscribeText', { email: mask(found.customer.email) })} [${t('public.unsubscribeButton')}]`
    const recorded = writeOrBusy(req, reply, 'unsubscribe', () => unsubscribe(app.db, found.customer.id, wording, note('evidence.unsubscribe', { campaign: found.member.campaignId })))
    if (recorded === BUSY) {
      // Nothing recorded: the page says so, with the button to press again (a mail client's one-click gets the 503 to retry).
      return reply.view('public/unsubscribe', { lang: locale, t, title: t('public.unsubscribeTitle'), company: getBrand(app.db).name, token, email: mask(found.customer.email), done: false, busy: true })
    }
    return reply.view('public/unsubscribe', { lang: locale, t, title: t('public.unsubscribedTitle'), company: getBrand(app.db).name, token, done: true })
  })
}

export default unsubscribeRoutes
