import { DAY_MS } from '../domain/time.ts'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyBaseLogger } from 'fastify'
import { nanoid } from 'nanoid'
import type { Config } from '../config.ts'
import { type Db, writeTransaction } from '../db/client.ts'
import type { Campaign, Message } from '../db/schema.ts'
import { inSendWindow, nextSendTime, type SendWindow } from '../domain/campaign.ts'
import { note } from '../domain/errors.ts'
import { RenderContext, renderMessage, type RenderedMail } from '../mail/render.ts'
import { SMTP_CONNECTIONS, TransportUnavailableError, type MailTransport } from '../mail/transport.ts'
import { currentExclusion } from '../repos/campaign-targets.ts'
import { addMemberToken, campaignStatus, markMemberMailed } from '../repos/campaigns.ts'
import { addSuppression } from '../repos/consent.ts'
import { claimMessage, dueMessages, finishMessage, setOptInToken } from '../repos/messages.ts'
import { changeCampaignState, completeFinishedCampaigns, pauseOnErrors, scheduleReminders, startDueCampaigns } from '../services/campaigns.ts'
import { getMailSettings } from '../services/settings.ts'

/** Minutes to wait before the next attempt after a temporary failure; then the message fails. */
const BACKOFF_MINUTES = [1, 5, 15, 60, 240]

/**
 * Sends the outbox. It reads campaign state from the database on every round, so pause and
 * resume are just state changes. Each message is claimed ("sending"), rendered, handed to the
 * transport, and marked sent only once the server accepted it. Temporary failures retry with
 * backoff; a permanent rejection of the recipient marks the address bounced and suppresses it.
 * Campaign mail keeps to the send window and the rate limit, across all connections.
 */
export class MailSender {
  private timer: NodeJS.Timeout | null = null
  private running: Promise<number> | null = null
  private again = false
  private stopped = false
  /** Why the transport cannot take mail (set by a round, cleared when a later round sends again). */
  private unavailable: string | null = null
  /** The next free sending slot per campaign (epoch ms): the rate limit. */
  private readonly nextSlot = new Map<number, number>()

  constructor(
    private readonly db: Db,
    private readonly config: Config,
    private readonly transport: MailTransport,
    private readonly log: FastifyBaseLogger,
    private readonly concurrency = SMTP_CONNECTIONS,
  ) {}

  /** How a scheduled campaign starts: here, or as the server does a large one (in a worker thread; plugins/jobs.ts). */
  startCampaign: (id: number, now: Date) => unknown = (id, now) => changeCampaignState(this.db, id, 'start', 'scheduler', { now })

  /** Send what is due, soon; calls while sending run once more afterwards. */
  kick(): void {
    if (this.stopped) return
    if (this.running) {
      this.again = true
      return
    }
    this.running = this.runOnce()
      .catch((err: unknown) => {
        this.log.error({ err }, 'mail round failed')
        return 0
      })
      .finally(() => {
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

  /** One round: start due campaigns, queue reminders, send everything due, complete finished campaigns. */
  async runOnce(now: () => Date = () => new Date(), onlyCampaign?: number): Promise<number> {
    const at = now()
    await startDueCampaigns(this.db, at, (id) => this.startCampaign(id, at))
    scheduleReminders(this.db, now())
    const context = new RenderContext(this.db)
    const existingCustomerBasis = getMailSettings(this.db).existingCustomerBasis
    let sent = 0
    this.unavailable = null
    // One queue for all connections, refilled when it runs dry: no connection waits for the others
    // at the end of a batch. A message is claimed before the first await after leaving the queue,
    // so a refill never returns one that a connection holds.
    // A message left queued (its campaign paused meanwhile) is not taken again in this round.
    let queue: Message[] = []
    const left = new Set<number>()
    const next = (): Message | undefined => {
      if (this.stopped || this.unavailable) return undefined
      if (queue.length === 0) queue = dueMessages(this.db, now().toISOString(), 50, onlyCampaign).filter((m) => !left.has(m.id)).reverse()
      return queue.pop()
    }
    const worker = async () => {
      for (let message = next(); message; message = next()) {
        const outcome = await this.process(message, now, context, existingCustomerBasis)
        if (outcome === 'sent') sent++
        else if (outcome === 'left') left.add(message.id)
      }
    }
    await Promise.all(Array.from({ length: this.concurrency }, worker))
    completeFinishedCampaigns(this.db, now())
    return sent
  }

  /** Send one message: `sent`, `done` with it otherwise (skipped, failed, rescheduled), or `left` queued as it was. */
  private async process(message: Message, now: () => Date, context: RenderContext, existingCustomerBasis: boolean): Promise<'sent' | 'done' | 'left'> {
    let campaign: Campaign | undefined
    if (message.campaignId !== null && message.kind !== 'reward' && message.kind !== 'opt_in') {
      // State is read fresh: a pause takes effect at the next message. Paused or ended: leave it.
      if (campaignStatus(this.db, message.campaignId) !== 'sending') return 'left'
      campaign = context.campaign(message.campaignId)?.campaign
      if (!campaign) return 'left'
      const window: SendWindow = { sendDays: JSON.parse(campaign.sendDays) as number[], sendFrom: campaign.sendFrom, sendTo: campaign.sendTo, timeZone: campaign.timeZone }
      if (!inSendWindow(now(), window)) {
        finishMessage(this.db, message.id, { notBefore: nextSendTime(now(), window).toISOString() })
        return 'done'
      }
    }
    // A message is claimed in the transaction that settles or prepares it; when the claim fails,
    // another sender (the CLI beside the server) has it, and it is done here.
    if (campaign && message.customerId !== null) {
      // Eligibility is checked again at the moment of sending: an unsubscribe since the start counts,
      // and so does another campaign's mail within the quiet period.
      const excluded = currentExclusion(this.db, message.customerId, {
        existingCustomerBasis,
        quietSince: campaign.quietDays > 0 ? new Date(now().getTime() - campaign.quietDays * DAY_MS).toISOString() : null,
        campaignId: campaign.id,
      })
      if (excluded) {
        this.claimThen(message, () => finishMessage(this.db, message.id, { status: 'skipped', lastError: `not sent: ${excluded}` }))
        return 'done'
      }
    }
    // Rendering writes nothing: it comes before the claim.
    let rendered
    try {
      rendered = renderMessage(this.db, this.config, message, context)
    } catch (err) {
      this.log.error({ err, messageId: message.id }, 'could not render message')
      this.claimThen(message, () => finishMessage(this.db, message.id, { status: 'failed', lastError: `render: ${(err as Error).message}` }))
      return 'done'
    }
    if (!rendered) {
      this.claimThen(message, () => finishMessage(this.db, message.id, { status: 'skipped', lastError: 'nothing to send any more' }))
      return 'done'
    }
    // Claimed together with saving the link's token, which must work by the time the mail arrives.
    const { link, ...mail } = rendered
    if (!this.claimThen(message, () => link && saveLinkToken(this.db, link))) return 'done'
    if (campaign) await this.waitForSlot(campaign)
    let info: Awaited<ReturnType<MailTransport['send']>>
    try {
      info = await this.transport.send({
        from: this.config.mailFrom,
        to: message.toAddress,
        messageId: `<${nanoid()}@${senderDomain(this.config.mailFrom)}>`,
        ...mail,
      })
    } catch (err) {
      if (err instanceof TransportUnavailableError) {
        this.transportDown(message, campaign, err, now())
        return 'done'
      }
      this.fail(message, rendered.subject, err as Error & { responseCode?: number; code?: string }, now())
      return 'done'
    }
    // Accepted by the server. Recording it is outside the try: a database error here must not count
    // as a failed send and mail the customer again; the message stays "sending" and is logged.
    const at = now()
    // One transaction: a crash between the two would lose the member's count, and with it a reminder.
    writeTransaction(this.db, () => {
      finishMessage(this.db, message.id, { status: 'sent', subject: rendered.subject, smtpMessageId: info.messageId, sentAt: at.toISOString(), lastError: null, storedFile: info.storedFile ?? null })
      if (campaign && message.memberId !== null) {
        // Links work for the campaign's expiry after the last mail.
        markMemberMailed(this.db, message.memberId, at.toISOString(), new Date(at.getTime() + campaign.linkExpiryDays * DAY_MS).toISOString())
      }
    })
    return 'sent'
  }

  /** Claim the message and, in the same transaction, do `then`; false (nothing done) when another sender has it. */
  private claimThen(message: Message, then: () => unknown): boolean {
    return writeTransaction(this.db, () => {
      if (!claimMessage(this.db, message.id)) return false
      then()
      return true
    })
  }

  private fail(message: Message, subject: string, e: Error & { responseCode?: number; code?: string }, now: Date): void {
    const permanent = e.responseCode !== undefined && e.responseCode >= 500
    const attempts = message.attempts + 1
    if (permanent && (e.code === 'EENVELOPE' || [550, 551, 553].includes(e.responseCode!))) {
      finishMessage(this.db, message.id, { status: 'bounced', lastError: e.message, subject })
      addSuppression(this.db, message.toAddress, 'bounced')
    } else if (permanent || attempts > BACKOFF_MINUTES.length) {
      finishMessage(this.db, message.id, { status: 'failed', lastError: e.message, subject })
    } else {
      const notBefore = new Date(now.getTime() + BACKOFF_MINUTES[attempts - 1]! * 60_000).toISOString()
      finishMessage(this.db, message.id, { status: 'queued', lastError: e.message, notBefore })
    }
    this.log.warn({ err: e, messageId: message.id, attempts }, 'sending failed')
    if (message.campaignId !== null) pauseOnErrors(this.db, message.campaignId)
  }

  /**
   * Nothing can go out: the message goes back to the queue as it was (no attempt counted), the
   * round stops, and a sending campaign pauses with the reason, so that a person sees it.
   */
  private transportDown(message: Message, campaign: Campaign | undefined, err: TransportUnavailableError, now: Date): void {
    finishMessage(this.db, message.id, { status: 'queued', attempts: message.attempts, lastError: err.message })
    if (!this.unavailable) this.log.error({ err }, 'mail transport unavailable; sending paused')
    this.unavailable = err.message
    if (campaign && campaignStatus(this.db, campaign.id) === 'sending') {
      changeCampaignState(this.db, campaign.id, 'pause', 'sender', { now, reason: note('note.pausedError', { error: err.message }) })
    }
  }

  /** Reserve the campaign's next slot and wait for it: the rate holds however many connections send. */
  private async waitForSlot(campaign: Campaign): Promise<void> {
    const interval = 60_000 / campaign.ratePerMinute
    const now = Date.now()
    const slot = Math.max(now, this.nextSlot.get(campaign.id) ?? 0)
    this.nextSlot.set(campaign.id, slot + interval)
    // Timers cannot wait less than a millisecond: shorter gaps are kept up over the next slots.
    if (slot - now >= 1) await sleep(slot - now)
  }

  /** Look for due messages every few seconds (retries and reminders come due by themselves). */
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

function saveLinkToken(db: Db, link: NonNullable<RenderedMail['link']>): void {
  if (link.kind === 'member') addMemberToken(db, link.id, link.tokenHash)
  else setOptInToken(db, link.id, link.tokenHash)
}

function senderDomain(from: string): string {
  return /@([^>\s]+)/.exec(from)?.[1] ?? 'localhost'
}
