import type { FastifyBaseLogger } from 'fastify'
import type { Db } from '../db/client.ts'
import { dueDeliveries, finishDelivery } from '../repos/webhooks.ts'
import { signature } from '../services/webhooks.ts'

/** Minutes before each retry of a delivery the receiver did not take; after the last, it is given up. */
const BACKOFF_MINUTES = [1, 5, 30, 120, 720]
const TIMEOUT_MS = 10_000

/**
 * Delivers webhook events from their table: signed POSTs, retried with backoff, each outcome kept
 * for the admins' log. The queue is the table, so a restart loses nothing and sends nothing twice
 * that a receiver acknowledged.
 */
export class WebhookSender {
  private timer: NodeJS.Timeout | null = null
  /** Rounds run one after another, whoever asks: two at once would send the same delivery twice. */
  private chain: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly db: Db,
    private readonly log: FastifyBaseLogger,
    private readonly post: typeof fetch = fetch,
  ) {}

  start(everyMs = 5000): void {
    this.timer = setInterval(() => this.kick(), everyMs)
    this.timer.unref()
  }

  kick(): void {
    this.runOnce().catch((err: unknown) => this.log.error({ err }, 'webhook round failed'))
  }

  /** Send what is due (after any round already running); returns how many were delivered. */
  runOnce(now: () => Date = () => new Date()): Promise<number> {
    const round = this.chain.then(() => this.round(now))
    this.chain = round.catch(() => undefined)
    return round
  }

  private async round(now: () => Date): Promise<number> {
    let delivered = 0
    for (const d of dueDeliveries(this.db, now().toISOString(), 50)) {
      const at = now()
      const attempts = d.attempts + 1
      let status: number | null = null
      let error: string | null = null
      try {
        const res = await this.post(d.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'Comeback-Webhooks/1', 'comeback-event': d.event, 'comeback-delivery': String(d.id), 'comeback-signature': signature(d.secret, d.payload, Math.floor(at.getTime() / 1000)) },
          body: d.payload,
          redirect: 'manual',
          signal: AbortSignal.timeout(TIMEOUT_MS),
        })
        status = res.status
        await res.body?.cancel()
        if (res.ok) {
          finishDelivery(this.db, d.id, { status: 'delivered', attempts, lastStatus: status, lastError: null, deliveredAt: at.toISOString() })
          delivered++
          continue
        }
        error = `HTTP ${status}`
      } catch (e) {
        error = (e as Error).message.slice(0, 300)
      }
      const wait = BACKOFF_MINUTES[attempts - 1]
      finishDelivery(this.db, d.id, wait === undefined ? { status: 'failed', attempts, lastStatus: status, lastError: error } : { status: 'queued', attempts, nextAttemptAt: new Date(at.getTime() + wait * 60_000).toISOString(), lastStatus: status, lastError: error })
    }
    return delivered
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    await this.chain
  }
}
