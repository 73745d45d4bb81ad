import type { FastifyBaseLogger } from 'fastify'
import type { Config } from '../config.ts'
import type { Db } from '../db/client.ts'
import type { Message } from '../db/schema.ts'
import { renderMessage } from '../mail/render.ts'
import type { MailTransport } from '../mail/transport.ts'
import { addSuppression } from '../repos/consent.ts'
import { claimMessage, dueMessages, finishMessage } from '../repos/messages.ts'

/** Minutes to wait before the next attempt after a temporary failure; then the message fails. */
const BACKOFF_MINUTES = [1, 5, 15, 60, 240]

/**
 * Sends the outbox: claims each due message, renders it, hands it to the transport and marks it
 * sent only once the server accepted it. Temporary failures retry with backoff; a permanent
 * rejection of the recipient marks the address bounced and suppresses it.
 */
export class MailSender {
  private timer: NodeJS.Timeout | null = null
  private running: Promise<number> | null = null
  private again = false
  private stopped = false

  constructor(
    private readonly db: Db,
    private readonly config: Config,
    private readonly transport: MailTransport,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Send what is due, soon; calls while sending run once more afterwards. */
  kick(): void {
    if (this.stopped) return
    if (this.running) {
      this.again = true
      return
    }
    this.running = this.runOnce().finally(() => {
      this.running = null
      if (this.again) {
        this.again = false
        this.kick()
      }
    })
  }

  /** Wait for the current round (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running
  }

  async runOnce(now = () => new Date()): Promise<number> {
    let sent = 0
    for (;;) {
      const due = dueMessages(this.db, now().toISOString(), 20)
      if (due.length === 0) return sent
      for (const message of due) {
        if (!claimMessage(this.db, message.id)) continue
        if (await this.send(message, now())) sent++
      }
    }
  }

  private async send(message: Message, now: Date): Promise<boolean> {
    let rendered
    try {
      rendered = renderMessage(this.db, this.config, message)
    } catch (err) {
      this.log.error({ err, messageId: message.id }, 'could not render message')
      finishMessage(this.db, message.id, { status: 'failed', lastError: `render: ${(err as Error).message}` })
      return false
    }
    if (!rendered) {
      finishMessage(this.db, message.id, { status: 'skipped', lastError: 'nothing to send any more' })
      return false
    }
    try {
      const info = await this.transport.send({ from: this.config.mailFrom, to: message.toAddress, ...rendered })
      finishMessage(this.db, message.id, { status: 'sent', subject: rendered.subject, smtpMessageId: info.messageId, sentAt: new Date().toISOString(), lastError: null })
      return true
    } catch (err) {
      const e = err as Error & { responseCode?: number; code?: string }
      const permanent = e.responseCode !== undefined && e.responseCode >= 500
      const attempts = message.attempts + 1
      if (permanent && (e.code === 'EENVELOPE' || [550, 551, 553].includes(e.responseCode!))) {
        finishMessage(this.db, message.id, { status: 'bounced', lastError: e.message, subject: rendered.subject })
        addSuppression(this.db, message.toAddress, 'bounced')
      } else if (permanent || attempts > BACKOFF_MINUTES.length) {
        finishMessage(this.db, message.id, { status: 'failed', lastError: e.message, subject: rendered.subject })
      } else {
        const notBefore = new Date(now.getTime() + BACKOFF_MINUTES[attempts - 1]! * 60_000).toISOString()
        finishMessage(this.db, message.id, { status: 'queued', lastError: e.message, notBefore })
      }
      this.log.warn({ err, messageId: message.id, attempts }, 'sending failed')
      return false
    }
  }

  /** Look for due messages every few seconds (retries come due by themselves). */
  start(everyMs = 5000): void {
    this.timer = setInterval(() => this.kick(), everyMs)
    this.timer.unref()
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    await this.idle()
    this.transport.close()
  }
}
