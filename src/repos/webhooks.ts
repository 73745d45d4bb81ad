import type { Database } from 'better-sqlite3'
import { cachedRawStatement, cachedStatement, type Db } from '../db/client.ts'
import { webhookDeliveries, webhooks, type Webhook, type WebhookDelivery } from '../db/schema.ts'
import { columnsOf, insertRow, selectRows } from './rows.ts'

export function insertWebhook(db: Db, w: typeof webhooks.$inferInsert): Webhook {
  return insertRow(db, webhooks, w)!
}

export function listWebhooks(db: Db): Webhook[] {
  return selectRows(db, webhooks, 'WHERE removed_at IS NULL ORDER BY id')
}

export function removeWebhookRow(db: Db, id: number, at: string): boolean {
  return cachedStatement(db, 'UPDATE webhooks SET removed_at = ? WHERE id = ? AND removed_at IS NULL').run(at, id).changes === 1
}

/** One delivery of `event` to every webhook that wants it; returns how many. On the raw connection: the import's merge calls it too. */
export function enqueueDeliveries(sqlite: Database, event: string, payload: string): number {
  return cachedRawStatement(
    sqlite,
    `INSERT INTO webhook_deliveries (webhook_id, event, payload)
     SELECT w.id, @event, @payload FROM webhooks w WHERE w.removed_at IS NULL AND EXISTS (SELECT 1 FROM json_each(w.events) e WHERE e.value = @event)`,
  ).run({ event, payload }).changes
}

export function dueDeliveries(db: Db, now: string, limit: number): (WebhookDelivery & { url: string; secret: string })[] {
  return cachedStatement(
    db,
    `SELECT ${columnsOf(webhookDeliveries)}, w.url, w.secret
     FROM webhook_deliveries JOIN (SELECT id AS hookId, url, secret FROM webhooks WHERE removed_at IS NULL) w ON w.hookId = webhook_deliveries.webhook_id
     WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, webhook_deliveries.id LIMIT ?`,
  ).all(now, limit) as (WebhookDelivery & { url: string; secret: string })[]
}

export function finishDelivery(db: Db, id: number, f: { status: 'queued' | 'delivered' | 'failed'; attempts: number; nextAttemptAt?: string; lastStatus: number | null; lastError: string | null; deliveredAt?: string }): void {
  cachedStatement(
    db,
    'UPDATE webhook_deliveries SET status = @status, attempts = @attempts, next_attempt_at = coalesce(@nextAttemptAt, next_attempt_at), last_status = @lastStatus, last_error = @lastError, delivered_at = @deliveredAt WHERE id = @id',
  ).run({ nextAttemptAt: null, deliveredAt: null, ...f, id })
}

/** The latest deliveries, for admins: what went where, how often tried, why it failed. */
export function recentDeliveries(db: Db, limit = 50) {
  return cachedStatement(
    db,
    `SELECT d.id, d.event, d.status, d.attempts, d.last_status AS lastStatus, d.last_error AS lastError, d.created_at AS createdAt, d.delivered_at AS deliveredAt, w.url
     FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id ORDER BY d.id DESC LIMIT ?`,
  ).all(limit) as { id: number; event: string; status: string; attempts: number; lastStatus: number | null; lastError: string | null; createdAt: string; deliveredAt: string | null; url: string }[]
}
