import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { nanoid } from 'nanoid'
import { emailHash, type Db, writeTransaction } from '../db/client.ts'
import { notFound } from '../domain/errors.ts'
import { addAuditEntry } from '../repos/audit.ts'
import { emitEvent } from './webhooks.ts'
import { getCustomer } from '../repos/customers.ts'
import { eraseCustomerRows, personalData, storedMailFiles } from '../repos/privacy.ts'

/** Customers erased keep their row under such an id, with nothing personal left in it. */
export const ERASED_PREFIX = 'erased:'

/** Everything Comeback keeps about one person, as JSON (GDPR Art. 15 and 20); audited. */
export function exportCustomerData(db: Db, customerId: number, actor: string) {
  const data = personalData(db, customerId)
  if (!data.customer || String(data.customer.external_id).startsWith(ERASED_PREFIX)) throw notFound('customer')
  addAuditEntry(db, { actor, action: 'privacy.export', subject: String(customerId) })
  return {
    exportedAt: new Date().toISOString(),
    ...data,
    responses: data.responses.map((r) => ({ ...r, answers: JSON.parse(String(r.answers)) as unknown })),
  }
}

/** Free texts may name anyone: an erased customer's answers keep only choices and scores. */
export function answersWithoutText(answers: string): string {
  const parsed = JSON.parse(answers) as Record<string, unknown>
  const kept: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value === 'number' || typeof value === 'boolean') kept[key] = value
    else if (typeof value === 'string' && /^[a-z0-9_]{1,40}$/.test(value)) kept[key] = value
    else if (Array.isArray(value)) kept[key] = value.filter((v) => typeof v === 'string' && /^[a-z0-9_]{1,40}$/.test(v))
    else if (value && typeof value === 'object' && Array.isArray((value as { values?: unknown }).values)) kept[key] = { values: (value as { values: unknown[] }).values }
  }
  return JSON.stringify(kept)
}

/**
 * Erase one customer (GDPR Art. 17): personal data deleted or overwritten everywhere it was kept
 * (the customer, mails and their files in the outbox folder, opt-in requests, tokens, consent
 * history, events, audit details), answers kept anonymous and without free text, the address kept
 * only as a hash so that a later import or API upsert of it is never mailed. SQLite's
 * secure_delete overwrites the freed space, and a checkpoint moves it out of the write-ahead log.
 */
export function eraseCustomer(db: Db, customerId: number, actor: string, outboxDir: string): void {
  const customer = getCustomer(db, customerId)
  if (!customer || customer.externalId.startsWith(ERASED_PREFIX)) throw notFound('customer')
  const files = storedMailFiles(db, customerId)
  const sqlite = db.$client
  const secure = sqlite.pragma('secure_delete', { simple: true })
  sqlite.pragma('secure_delete = ON')
  try {
    writeTransaction(db, () => {
      eraseCustomerRows(db, customerId, `${ERASED_PREFIX}${nanoid(12)}`, customer.email ? emailHash(customer.email) : null, answersWithoutText)
      addAuditEntry(db, { actor, action: 'privacy.erase', subject: String(customerId) })
      // The shop's own systems hear of it, by the id they know, to erase there too.
      emitEvent(db, 'customer.erased', { customer_id: customer.externalId })
    })
  } finally {
    sqlite.pragma(`secure_delete = ${secure}`)
  }
  for (const f of files) rmSync(join(outboxDir, f), { force: true })
  // Best effort: a reader elsewhere may hold the log a moment longer; the next checkpoint finishes it.
  sqlite.pragma('wal_checkpoint(TRUNCATE)')
}
