import { cachedStatement, type Db } from '../db/client.ts'
import { messages, optInRequests, type Message, type OptInRequest } from '../db/schema.ts'
import { insertRow, selectRow, selectRows } from './rows.ts'

/** Queue a message unless one with the same dedupe key exists; true when queued now. */
export function enqueueMessage(db: Db, message: typeof messages.$inferInsert): boolean {
  return insertRow(db, messages, message, { ignoreConflict: true }) !== undefined
}

export function getMessageByDedupeKey(db: Db, dedupeKey: string): Message | undefined {
  return selectRow(db, messages, 'WHERE dedupe_key = ?', dedupeKey)
}

/** Messages due now, oldest first; with `campaignId`, only that campaign's. */
export function dueMessages(db: Db, now: string, limit: number, campaignId?: number): Message[] {
  return campaignId === undefined
    ? selectRows(
        db,
        messages,
        `WHERE status = 'queued' AND not_before <= ?
           AND (campaign_id IS NULL OR kind IN ('reward', 'opt_in') OR campaign_id IN (SELECT id FROM campaigns WHERE status = 'sending'))
         ORDER BY id LIMIT ?`,
        now,
        limit,
      )
    : selectRows(
        db,
        messages,
        `WHERE campaign_id = ? AND status = 'queued' AND not_before <= ?
           AND (kind IN ('reward', 'opt_in') OR EXISTS (SELECT 1 FROM campaigns WHERE id = messages.campaign_id AND status = 'sending'))
         ORDER BY id LIMIT ?`,
        campaignId,
        now,
        limit,
      )
}

/**
 * The invitation of every mailed member of a campaign that starts, in one statement: its
 * address and language as they stand now, and a dedupe key per member, so that none is queued twice.
 */
export function enqueueInvitations(db: Db, campaignId: number, notBefore: string): number {
  return cachedStatement(
    db,
    `INSERT INTO messages (customer_id, campaign_id, member_id, arm, kind, dedupe_key, to_address, locale, payload, not_before)
     SELECT m.customer_id, m.campaign_id, m.id, m.arm, 'invitation', 'campaign:' || m.campaign_id || ':member:' || m.id || ':mail:1', c.email, c.locale, '{"step":1}', @notBefore
     FROM campaign_members m JOIN customers c ON c.id = m.customer_id
     WHERE m.campaign_id = @campaignId AND m.holdout = 0 AND c.email IS NOT NULL
     ORDER BY m.id
     ON CONFLICT (dedupe_key) DO NOTHING`,
  ).run({ campaignId, notBefore }).changes
}

/** A cancelled campaign's queued mail is never sent. */
export function skipQueuedMessages(db: Db, campaignId: number, reason: string): number {
  return cachedStatement(db, "UPDATE messages SET status = 'skipped', last_error = ? WHERE campaign_id = ? AND status = 'queued'").run(reason, campaignId).changes
}

/** How many of a campaign's mails were tried, and how many of them failed or bounced. */
export function campaignFailureCounts(db: Db, campaignId: number): { bad: number; tried: number } {
  const row = cachedStatement(db, "SELECT sum(status IN ('failed', 'bounced')) AS bad, sum(status IN ('sent', 'failed', 'bounced')) AS tried FROM messages WHERE campaign_id = ?").get(
    campaignId,
  ) as { bad: number | null; tried: number | null }
  return { bad: row.bad ?? 0, tried: row.tried ?? 0 }
}

/** Claim a queued message for sending; false when another sender got it first. */
export function claimMessage(db: Db, id: number): boolean {
  return cachedStatement(db, "UPDATE messages SET status = 'sending', attempts = attempts + 1 WHERE id = ? AND status = 'queued'").run(id).changes === 1
}

const finishColumns = { attempts: 'attempts', status: 'status', lastError: 'last_error', notBefore: 'not_before', subject: 'subject', smtpMessageId: 'smtp_message_id', sentAt: 'sent_at', storedFile: 'stored_file' } as const
type FinishChanges = Partial<Pick<Message, keyof typeof finishColumns>>

export function finishMessage(db: Db, id: number, changes: FinishChanges): void {
  const keys = (Object.keys(changes) as (keyof FinishChanges)[]).filter((k) => changes[k] !== undefined).sort()
  const sql = `UPDATE messages SET ${keys.map((k) => `${finishColumns[k]} = @${k}`).join(', ')} WHERE id = @id`
  cachedStatement(db, sql).run({ ...changes, id })
}

/**
 * After a crash or restart, messages left in "sending" go back to the queue: the one in flight
 * at the crash may be sent twice, no message is lost.
 */
export function requeueInterruptedMessages(db: Db): { id: number; toAddress: string }[] {
  return cachedStatement(db, "UPDATE messages SET status = 'queued' WHERE status = 'sending' RETURNING id, to_address AS toAddress").all() as { id: number; toAddress: string }[]
}

export function insertOptInRequest(db: Db, request: typeof optInRequests.$inferInsert): OptInRequest {
  return insertRow(db, optInRequests, request)!
}

export function getOptInRequest(db: Db, id: number): OptInRequest | undefined {
  return selectRow(db, optInRequests, 'WHERE id = ?', id)
}

export function getOptInRequestByTokenHash(db: Db, tokenHash: string): OptInRequest | undefined {
  return selectRow(db, optInRequests, 'WHERE token_hash = ?', tokenHash)
}

export function setOptInToken(db: Db, id: number, tokenHash: string): void {
  cachedStatement(db, 'UPDATE opt_in_requests SET token_hash = ? WHERE id = ?').run(tokenHash, id)
}

export function markOptInConfirmed(db: Db, id: number, at: string): boolean {
  return cachedStatement(db, 'UPDATE opt_in_requests SET confirmed_at = ? WHERE id = ? AND confirmed_at IS NULL').run(at, id).changes === 1
}


export function getMessage(db: Db, id: number): Message | undefined {
  return selectRow(db, messages, 'WHERE id = ?', id)
}

export function listMessages(db: Db, status: Message['status'] | undefined, limit: number, offset: number) {
  return cachedStatement(
    db,
      `SELECT m.id, m.kind, m.status, m.to_address AS toAddress, m.subject, m.attempts, m.last_error AS lastError, m.created_at AS createdAt,
              m.sent_at AS sentAt, m.not_before AS notBefore, c.name AS campaign, m.customer_id AS customerId
       FROM messages m LEFT JOIN campaigns c ON c.id = m.campaign_id
       WHERE (@status IS NULL OR m.status = @status) ORDER BY m.id DESC LIMIT @limit OFFSET @offset`,
  ).all({ status: status ?? null, limit, offset }) as {
    id: number
    kind: string
    status: string
    toAddress: string
    subject: string | null
    attempts: number
    lastError: string | null
    createdAt: string
    sentAt: string | null
    notBefore: string
    campaign: string | null
    customerId: number | null
  }[]
}

export function countMessages(db: Db, status?: Message['status']): number {
  return (cachedStatement(db, 'SELECT count(*) AS n FROM messages WHERE (@status IS NULL OR status = @status)').get({ status: status ?? null }) as { n: number }).n
}
