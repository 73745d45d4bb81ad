import { FailureLimiter } from '../../domain/failure-limiter.ts'
import { translator } from '../../locales/index.ts'
import type { Translate } from '../../domain/i18n.ts'
import type { Locale } from '../../domain/import-records.ts'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { isDatabaseBusy } from '../../db/client.ts'

/** Headers of every page behind a personal link: not indexed, never cached, the token never leaked as a referrer. */
export function personalPageHeaders(_req: FastifyRequest, reply: FastifyReply, done: () => void): void {
  reply.headers(PERSONAL_PAGE_HEADERS)
  done()
}
const PERSONAL_PAGE_HEADERS = { 'X-Robots-Tag': 'noindex, nofollow', 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store' }

/** Unknown or expired links per client: 20 in 10 minutes, then "try later" for further unknown ones. */
export const badTokenLimiter = () => new FailureLimiter(20, 10 * 60_000)

/**
 * The thing behind a personal link, or null after sending the calm link page: the same page for
 * unknown, malformed and expired tokens, and "try later" once a client has guessed too often.
 * A valid link always opens: only failures count, and a block never stands before a real token.
 */
export function resolveToken<T>(
  req: FastifyRequest,
  reply: FastifyReply,
  badTokens: FailureLimiter,
  locale: Locale,
  lookup: () => T | null | undefined,
): T | null {
  const found = lookup()
  if (found) return found
  const t = translator(locale)
  if (badTokens.blocked(req.ip)) {
    void reply.code(429).header('Retry-After', String(badTokens.retryAfter(req.ip))).view('public/link-problem', { lang: locale, t, title: t('public.linkTitle'), limited: true })
    return null
  }
  badTokens.fail(req.ip)
  void reply.code(404).view('public/link-problem', { lang: locale, t, title: t('public.linkTitle'), limited: false })
  return null
}

/** What `writeOrBusy` returns when nothing could be written. */
export const BUSY = Symbol('busy')

/**
 * A respondent's write (an answer, an unsubscribe, a confirmation). When another connection held
 * the write lock past the busy timeout (a very large import's merge), nothing is written: the
 * reply is set to 503 with Retry-After and BUSY comes back, so that the page can say so and keep
 * what they sent, never an internal error page.
 */
export function writeOrBusy<T>(req: FastifyRequest, reply: FastifyReply, what: string, write: () => T): T | typeof BUSY {
  try {
    return write()
  } catch (e) {
    if (!isDatabaseBusy(e)) throw e
    req.log.warn(`${what} not saved: database busy`)
    reply.code(503).header('Retry-After', '5')
    return BUSY
  }
}
