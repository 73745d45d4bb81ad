import { cachedStatement, type Db } from '../db/client.ts'
import { consentEvents, customers, suppressions, type ConsentStatus } from '../db/schema.ts'
import { insertRow, updateRows } from './rows.ts'

export function insertConsentEvent(db: Db, event: typeof consentEvents.$inferInsert): void {
  insertRow(db, consentEvents, event)
}

export function setCustomerConsent(db: Db, customerId: number, channel: 'email' | 'phone', status: ConsentStatus, at: string): void {
  updateRows(db, customers, channel === 'email' ? { emailConsent: status, updatedAt: at } : { phoneConsent: status, updatedAt: at }, 'WHERE id = @whereId', { whereId: customerId })
}

export function addSuppression(db: Db, email: string, reason: 'unsubscribed' | 'objected' | 'bounced'): void {
  insertRow(db, suppressions, { email: email.toLowerCase(), reason }, { ignoreConflict: true })
}

export function isSuppressed(db: Db, email: string): boolean {
  return cachedStatement(db, 'SELECT 1 FROM suppressions WHERE email = ?').get(email.toLowerCase()) !== undefined
}

export function removeSuppression(db: Db, email: string): void {
  cachedStatement(db, 'DELETE FROM suppressions WHERE email = ?').run(email.toLowerCase())
}
