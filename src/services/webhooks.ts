import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Db } from '../db/client.ts'
import type { Webhook } from '../db/schema.ts'
import { AppError, note } from '../domain/errors.ts'
import { addAuditEntry } from '../repos/audit.ts'
import { enqueueDeliveries, insertWebhook, removeWebhookRow } from '../repos/webhooks.ts'

/** What a webhook can hear (SPEC §11). */
export const webhookEvents = ['response.completed', 'reward.granted', 'coupon.redeemed', 'customer.unsubscribed', 'customer.erased'] as const
export type WebhookEvent = (typeof webhookEvents)[number]

/**
 * The signature header of a delivery, as Stripe and Standard Webhooks do it: `t=<unix seconds>,
 * v1=<hex HMAC-SHA256 of "<t>.<body>" with the webhook's secret>`. The timestamp inside the signed
 * text lets a receiver refuse replays.
 */
export function signature(secret: string, body: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')}`
}

/** What a receiver does: true when the header signs the body with the secret, at most `toleranceS` old. */
export function verifySignature(secret: string, body: string, header: string, nowS = Math.floor(Date.now() / 1000), toleranceS = 300): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]))
  const t = Number(parts.t)
  if (!Number.isFinite(t) || Math.abs(nowS - t) > toleranceS || !parts.v1) return false
  const expected = Buffer.from(signature(secret, body, t).split('v1=')[1]!, 'hex')
  const given = Buffer.from(parts.v1, 'hex')
  return given.length === expected.length && timingSafeEqual(given, expected)
}

export function addWebhook(db: Db, input: { url: string; events: string[] }, actor: string): Webhook {
  let url: URL
  try {
    url = new URL(input.url.trim())
  } catch {
    throw new AppError(note('err.webhookUrl'))
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new AppError(note('err.webhookUrl'))
  const events = [...new Set(input.events)].filter((e): e is WebhookEvent => (webhookEvents as readonly string[]).includes(e))
  if (events.length === 0) throw new AppError(note('err.webhookEvents'))
  const hook = insertWebhook(db, { url: url.href, events: JSON.stringify(events), secret: `whsec_${randomBytes(24).toString('base64url')}`, createdBy: actor })
  addAuditEntry(db, { actor, action: 'webhook.create', subject: String(hook.id), detail: { url: url.href, events } })
  return hook
}

export function removeWebhook(db: Db, id: number, actor: string): void {
  if (removeWebhookRow(db, id, new Date().toISOString())) addAuditEntry(db, { actor, action: 'webhook.remove', subject: String(id) })
}

/** Queue an event for every webhook that wants it, in the caller's transaction: it goes out when that commits. */
export function emitEvent(db: Db, event: WebhookEvent, data: Record<string, unknown>, at = new Date()): void {
  enqueueDeliveries(db.$client, event, JSON.stringify({ event, at: at.toISOString(), data }))
}
