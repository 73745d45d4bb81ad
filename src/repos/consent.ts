import { eq } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { consentEvents, customers, suppressions, type ConsentStatus } from '../db/schema.ts'

export function insertConsentEvent(db: Db, event: typeof consentEvents.$inferInsert): void {
  db.insert(consentEvents).values(event).run()
}

export function setCustomerConsent(db: Db, customerId: number, channel: 'email' | 'phone', status: ConsentStatus, at: string): void {
  db.update(customers)
    .set(channel === 'email' ? { emailConsent: status, updatedAt: at } : { phoneConsent: status, updatedAt: at })
    .where(eq(customers.id, customerId))
    .run()
}

export function addSuppression(db: Db, email: string, reason: 'unsubscribed' | 'objected' | 'bounced'): void {
  db.insert(suppressions).values({ email: email.toLowerCase(), reason }).onConflictDoNothing().run()
}

export function isSuppressed(db: Db, email: string): boolean {
  return db.select().from(suppressions).where(eq(suppressions.email, email.toLowerCase())).get() !== undefined
}

export function removeSuppression(db: Db, email: string): void {
  db.delete(suppressions).where(eq(suppressions.email, email.toLowerCase())).run()
}
