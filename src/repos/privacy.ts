import type { Database } from 'better-sqlite3'
import { type Db } from '../db/client.ts'

/**
 * Everything kept about one person, and its erasure (SPEC §11). Plain SQL over every table that
 * names a customer; a test reads the database file afterwards to prove nothing is left.
 */
const all = (sqlite: Database, sql: string, id: number) => sqlite.prepare(sql).all(id) as Record<string, unknown>[]

export function personalData(db: Db, customerId: number) {
  const sqlite = db.$client
  return {
    customer: sqlite.prepare('SELECT * FROM customers WHERE id = ?').get(customerId) as Record<string, unknown> | undefined,
    analysis: sqlite.prepare('SELECT * FROM customer_analysis WHERE customer_id = ?').get(customerId) as Record<string, unknown> | undefined,
    orders: all(sqlite, 'SELECT external_id, ordered_at, total_cents, currency, items, coupon_code, status FROM orders WHERE customer_id = ? ORDER BY ordered_at', customerId),
    events: all(sqlite, 'SELECT external_id, occurred_at, kind, note FROM events WHERE customer_id = ? ORDER BY occurred_at', customerId),
    responses: all(sqlite, 'SELECT id, status, locale, answers, main_reason, nps, csat, ces, started_at, completed_at FROM responses WHERE customer_id = ? ORDER BY id', customerId),
    consentEvents: all(sqlite, 'SELECT channel, status, previous_status, source, actor, wording, detail, created_at FROM consent_events WHERE customer_id = ? ORDER BY id', customerId),
    optInRequests: all(sqlite, 'SELECT email, wording, requested_at, expires_at, confirmed_at FROM opt_in_requests WHERE customer_id = ? ORDER BY id', customerId),
    campaigns: all(sqlite, 'SELECT k.name AS campaign, m.holdout, m.mails_sent, m.opened_at, m.created_at FROM campaign_members m JOIN campaigns k ON k.id = m.campaign_id WHERE m.customer_id = ? ORDER BY m.id', customerId),
    mails: all(sqlite, 'SELECT kind, to_address, subject, status, sent_at, created_at FROM messages WHERE customer_id = ? ORDER BY id', customerId),
    rewards: all(sqlite, 'SELECT w.kind, w.points, w.created_at, c.code, c.kind AS coupon_kind, c.value, c.currency, c.expires_at, c.redeemed_at FROM rewards w LEFT JOIN coupons c ON c.id = w.coupon_id WHERE w.customer_id = ? ORDER BY w.id', customerId),
    points: all(sqlite, 'SELECT kind, points, reason, created_at FROM points_ledger WHERE customer_id = ? ORDER BY id', customerId),
  }
}

/** The outbox files of the customer's mails, to delete with them. */
export function storedMailFiles(db: Db, customerId: number): string[] {
  return (db.$client.prepare('SELECT stored_file FROM messages WHERE customer_id = ? AND stored_file IS NOT NULL').pluck().all(customerId) as string[])
}

/**
 * Erase one customer in the caller's transaction: personal data deleted or overwritten in every
 * table, answers kept without free texts and without the customer, the address kept only as a
 * hash. The customer's row stays as an anonymous placeholder so that campaign counts still add up.
 */
export function eraseCustomerRows(db: Db, customerId: number, placeholder: string, emailHash: string | null, answersWithoutText: (answers: string) => string): void {
  const sqlite = db.$client
  const run = (sql: string, ...params: unknown[]) => sqlite.prepare(sql).run(...params)
  if (emailHash) run('INSERT INTO erasures (email_hash) VALUES (?) ON CONFLICT DO NOTHING', emailHash)
  const email = sqlite.prepare('SELECT email FROM customers WHERE id = ?').pluck().get(customerId) as string | null
  if (email) run('DELETE FROM suppressions WHERE email = lower(?)', email)
  for (const r of sqlite.prepare('SELECT id, answers FROM responses WHERE customer_id = ?').all(customerId) as { id: number; answers: string }[]) {
    run('UPDATE responses SET answers = ?, customer_id = NULL WHERE id = ?', answersWithoutText(r.answers), r.id)
  }
  run('DELETE FROM events WHERE customer_id = ?', customerId)
  run('DELETE FROM consent_events WHERE customer_id = ?', customerId)
  run('DELETE FROM opt_in_requests WHERE customer_id = ?', customerId)
  run('DELETE FROM customer_analysis WHERE customer_id = ?', customerId)
  run('DELETE FROM member_tokens WHERE member_id IN (SELECT id FROM campaign_members WHERE customer_id = ?)', customerId)
  run("UPDATE messages SET to_address = 'erased', payload = '{}', subject = NULL, smtp_message_id = NULL, stored_file = NULL, last_error = NULL, customer_id = NULL WHERE customer_id = ?", customerId)
  run("UPDATE orders SET external_id = ? || ':' || id, items = NULL, coupon_code = NULL WHERE customer_id = ?", placeholder, customerId)
  run("UPDATE points_ledger SET reason = 'erased' WHERE customer_id = ?", customerId)
  run('UPDATE rewards SET customer_id = NULL WHERE customer_id = ?', customerId)
  run('UPDATE coupons SET customer_id = NULL WHERE customer_id = ?', customerId)
  run(
    `UPDATE customers SET external_id = ?, email = NULL, first_name = NULL, last_name = NULL, phone = NULL,
       email_consent = 'objected', phone_consent = 'objected', created_at = NULL WHERE id = ?`,
    placeholder,
    customerId,
  )
  // What the audit log kept of the person: the entries about this customer lose their details.
  run("UPDATE audit_log SET detail = NULL WHERE subject = ? OR (? IS NOT NULL AND detail LIKE '%' || ? || '%')", String(customerId), email, email)
}
