import { translator } from '../../domain/i18n.ts'
import type { Locale } from '../../domain/import-records.ts'
import type { FastifyReply, FastifyRequest } from 'fastify'

/**
 * Counts unknown or expired tokens per client; past the limit the client gets a calm "try later"
 * page instead of more guesses. Kept in memory: a restart forgets, which costs a prober little time.
 */
export class BadTokenLimiter {
  private readonly failures = new Map<string, { count: number; resetAt: number }>()

  constructor(
    private readonly max = 20,
    private readonly windowMs = 10 * 60_000,
  ) {}

  fail(ip: string, now = Date.now()): void {
    const entry = this.failures.get(ip)
    if (!entry || entry.resetAt < now) this.failures.set(ip, { count: 1, resetAt: now + this.windowMs })
    else entry.count++
    if (this.failures.size > 10_000) for (const [k, v] of this.failures) if (v.resetAt < now) this.failures.delete(k)
  }

  blocked(ip: string, now = Date.now()): boolean {
    const entry = this.failures.get(ip)
    return entry !== undefined && entry.resetAt >= now && entry.count >= this.max
  }
}

/** Headers of every page behind a personal link: not indexed, never cached, the token never leaked as a referrer. */
export async function personalPageHeaders(_req: FastifyRequest, reply: FastifyReply): Promise<void> {
  reply.header('X-Robots-Tag', 'noindex, nofollow')
  reply.header('Referrer-Policy', 'no-referrer')
  reply.header('Cache-Control', 'no-store')
}

/**
 * The thing behind a personal link, or null after sending the calm link page: the same page for
 * unknown, malformed and expired tokens, and "try later" once a client has guessed too often.
 */
export function resolveToken<T>(
  req: FastifyRequest,
  reply: FastifyReply,
  badTokens: BadTokenLimiter,
  locale: Locale,
  lookup: () => T | null | undefined,
): T | null {
  const t = translator(locale)
  if (badTokens.blocked(req.ip)) {
    void reply.code(429).view('public/link-problem', { lang: locale, t, title: t('linkTitle'), limited: true })
    return null
  }
  const found = lookup()
  if (found) return found
  badTokens.fail(req.ip)
  void reply.code(404).view('public/link-problem', { lang: locale, t, title: t('linkTitle'), limited: false })
  return null
}
