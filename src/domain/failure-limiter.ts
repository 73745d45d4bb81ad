/**
 * Counts failures (wrong passwords, unknown links) per client in a sliding window; past the limit
 * the client is told to wait. Only failures count, so a busy client that does things right is never
 * blocked; a success does not forget earlier failures either, or one known password would
 * let a prober guess on at others. Kept in memory: a restart forgets, which costs a prober little time. The table is
 * bounded: expired entries go when it grows, and past its size the oldest entries make room.
 */
export class FailureLimiter {
  private readonly failures = new Map<string, { count: number; resetAt: number }>()

  constructor(
    readonly max: number,
    readonly windowMs: number,
    private readonly maxClients = 10_000,
  ) {}

  fail(client: string, now = Date.now()): void {
    const entry = this.failures.get(client)
    if (!entry || entry.resetAt < now) {
      this.failures.delete(client)
      this.failures.set(client, { count: 1, resetAt: now + this.windowMs })
    } else entry.count++
    if (this.failures.size > this.maxClients) this.prune(now)
  }

  blocked(client: string, now = Date.now()): boolean {
    const entry = this.failures.get(client)
    return entry !== undefined && entry.resetAt >= now && entry.count >= this.max
  }

  /** Seconds until a blocked client may try again. */
  retryAfter(client: string, now = Date.now()): number {
    const entry = this.failures.get(client)
    return entry ? Math.max(1, Math.ceil((entry.resetAt - now) / 1000)) : 0
  }

  private prune(now: number): void {
    for (const [k, v] of this.failures) if (v.resetAt < now) this.failures.delete(k)
    // Still full: drop the oldest entries (a Map keeps insertion order).
    for (const k of this.failures.keys()) {
      if (this.failures.size <= this.maxClients) break
      this.failures.delete(k)
    }
  }
}
