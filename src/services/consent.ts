import { note, type Note } from '../domain/errors.ts'
import { type Db, writeTransaction } from '../db/client.ts'
import type { ConsentStatus } from '../db/schema.ts'
import { emitEvent } from './webhooks.ts'
import { addAuditEntry } from '../repos/audit.ts'
import { addSuppression, insertConsentEvent, removeSuppression, setCustomerConsent } from '../repos/consent.ts'
import { getOptInRequest, markOptInConfirmed } from '../repos/messages.ts'
import { getCustomer } from '../repos/customers.ts'

/**
 * Change a customer's consent on one channel and keep the change as an event (source, actor,
 * the exact wording shown). An objection by email also puts the address on the suppression list.
 */
export function changeConsent(
  db: Db,
  change: { customerId: number; channel: 'email' | 'phone'; status: ConsentStatus; source: string; actor: string; wording?: string; detail?: Note; now?: Date },
): void {
  const customer = getCustomer(db, change.customerId)
  if (!customer) return
  const at = (change.now ?? new Date()).toISOString()
  const previous = change.channel === 'email' ? customer.emailConsent : customer.phoneConsent
  insertConsentEvent(db, {
    customerId: customer.id,
    channel: change.channel,
    status: change.status,
    previousStatus: previous,
    source: change.source,
    actor: change.actor,
    wording: change.wording ?? null,
    detail: change.detail ? JSON.stringify(change.detail) : null,
    createdAt: at,
  })
  if (previous !== change.status) setCustomerConsent(db, customer.id, change.channel, change.status, at)
  if (change.channel === 'email' && change.status === 'objected' && customer.email) {
    addSuppression(db, customer.email, change.source === 'unsubscribe' ? 'unsubscribed' : 'objected')
  }
  if (change.channel === 'email' && change.status === 'objected' && previous !== 'objected') {
    emitEvent(db, 'customer.unsubscribed', { customer_id: customer.externalId, source: change.source }, change.now)
  }
  addAuditEntry(db, { actor: change.actor, action: 'consent.change', subject: String(customer.id), detail: { channel: change.channel, status: change.status, source: change.source } })
}

/** A consent request that is not (yet) a change, e.g. a "yes" by email waiting for its double opt-in. */
export function recordConsentRequest(
  db: Db,
  request: { customerId: number; channel: 'email' | 'phone'; source: string; actor: string; wording: string; detail: Note; now?: Date },
): void {
  const customer = getCustomer(db, request.customerId)
  if (!customer) return
  const current = request.channel === 'email' ? customer.emailConsent : customer.phoneConsent
  insertConsentEvent(db, {
    customerId: customer.id,
    channel: request.channel,
    status: current,
    previousStatus: current,
    source: request.source,
    actor: request.actor,
    wording: request.wording,
    detail: JSON.stringify(request.detail),
    createdAt: (request.now ?? new Date()).toISOString(),
  })
}

/** Unsubscribe: takes effect at once, as an objection to email with the suppression entry that outlives erasure. */
export function unsubscribe(db: Db, customerId: number, wording: string, detail: Note): void {
  writeTransaction(db, () => changeConsent(db, { customerId, channel: 'email', status: 'objected', source: 'unsubscribe', actor: 'customer', wording, detail }))
}

/**
 * The click in the double opt-in mail: email consent becomes granted, with the wording the
 * customer agreed to in the survey, and a suppression of the address is lifted.
 */
export function confirmOptIn(db: Db, requestId: number, now = new Date()): boolean {
  return writeTransaction(db, () => {
    const request = getOptInRequest(db, requestId)
    if (!request || !markOptInConfirmed(db, requestId, now.toISOString())) return false
    changeConsent(db, { customerId: request.customerId, channel: 'email', status: 'granted', source: 'double_opt_in', actor: 'customer', wording: request.wording, detail: note('evidence.confirmed', { email: request.email }), now })
    removeSuppression(db, request.email)
    return true
  })
}
