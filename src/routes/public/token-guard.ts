import { FailureLimiter } from '../../domain/failure-limiter.ts'
import { translator } from '../../locales/index.ts'
import type { Translate } from '../../domain/i18n.ts'
import type { Locale } from '../../domain/import-records.ts'
import type { FastifyReply, FastifyRequest } from 'fastify'

/** Headers of every page behind a personal link: not indexed, never cached, the token never leaked as a referrer. */
export async function personalPageHeaders(_req: FastifyRequest, reply: FastifyReply): Promise<void> {
  reply.header('X-Robots-Tag', 'noindex, nofollow')
  reply.header('Referrer-Policy', 'no-referrer')
  reply.header('Cache-Control', 'no-store')
}

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
