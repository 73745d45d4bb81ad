import { type Db, writeTransaction } from '../db/client.ts'
import type { Coupon } from '../db/schema.ts'
import { note } from '../domain/errors.ts'
import { tierOf } from '../domain/rewards.ts'
import { addSuppression } from '../repos/consent.ts'
import { changeConsent } from './consent.ts'
import type { ImportKind } from '../domain/import-records.ts'
import { addAuditEntry } from '../repos/audit.ts'
import { getCustomerAnalysis } from '../repos/analysis.ts'
import { customerIdsByEmail, getCustomerByExternalId, listConsentEvents } from '../repos/customers.ts'
import { listCustomerResponses } from '../repos/responses.ts'
import { listCustomerCoupons, listPointsLedger, pointsBalance } from '../repos/rewards.ts'
import { ImportBatch, type ImportReport } from './import.ts'

/**
 * A batch from the JSON API: the records go through the import's readers and merge (SPEC §3),
 * all or nothing, upserting by the records' ids; the report names each bad record by its index.
 */
export function importBatch(db: Db, kind: ImportKind, records: readonly Record<string, unknown>[], actor: string, defaults: { defaultLocale: string; defaultCurrency: string }): ImportReport {
  const batch = new ImportBatch(db, { kind, actor, ...defaults })
  // Lines count from 1 in a report; record i of the batch is "line" i + 1.
  records.forEach((record, i) => batch.addRow(record, i + 1))
  const report = batch.finish(null)
  if (report.imported) addAuditEntry(db, { actor, action: `api.${kind}`, detail: { records: records.length, inserted: report.inserted, updated: report.updated } })
  return report
}

/** One customer as the API shows it: facts, analysis, answers, consent history, points and coupons. */
export function customerForApi(db: Db, externalId: string) {
  const c = getCustomerByExternalId(db, externalId)
  if (!c) return undefined
  const a = getCustomerAnalysis(db, c.id)
  return {
    customer_id: c.externalId,
    email: c.email,
    first_name: c.firstName,
    last_name: c.lastName,
    locale: c.locale,
    email_consent: c.emailConsent,
    phone_consent: c.phoneConsent,
    created_at: c.createdAt,
    analysis: a
      ? {
          as_of: a.asOf,
          orders: a.orders,
          spend_cents: a.spendCents,
          last_order_at: a.lastOrderAt,
          lapse_status: a.lapseStatus,
          early_warning: a.earlyWarning,
          p_alive: a.pAlive,
          expected_purchases_365: a.expectedPurchases365,
          clv_cents: a.clvCents,
          value_if_won_cents: a.valueIfWonCents,
          priority_cents: a.priorityCents,
        }
      : null,
    answers: listCustomerResponses(db, c.id).map((r) => ({
      completed_at: r.completedAt,
      status: r.status,
      main_reason: r.mainReason,
      nps: r.nps,
      csat: r.csat,
      ces: r.ces,
      answers: JSON.parse(r.answers) as Record<string, unknown>,
    })),
    consent_history: listConsentEvents(db, c.id).map((e) => ({ at: e.createdAt, channel: e.channel, status: e.status, previous_status: e.previousStatus, source: e.source })),
    points: pointsBalance(db, c.id),
    coupons: listCustomerCoupons(db, c.id).map((k) => ({ code: k.code, kind: k.kind, value: k.value, currency: k.currency, expires_at: k.expiresAt, redeemed_at: k.redeemedAt })),
  }
}

/** A customer's points: balance, tier and the ledger. */
export function pointsForApi(db: Db, customerId: number) {
  const balance = pointsBalance(db, customerId)
  return { balance, ...tierOf(balance), ledger: listPointsLedger(db, customerId).map((e) => ({ kind: e.kind, points: e.points, reason: e.reason, created_at: e.createdAt })) }
}

export const couponForApi = (c: Coupon) => ({ code: c.code, kind: c.kind, value: c.value, currency: c.currency, min_order_cents: c.minOrderCents, expires_at: c.expiresAt, redeemed_at: c.redeemedAt, redeemed_order: c.redeemedOrder })

/**
 * Bounces, complaints and unsubscribes an external mail system reports: each address goes on the
 * suppression list; a complaint or unsubscribe also makes its customers objected (with the event).
 */
export function reportSuppressions(db: Db, records: readonly { email: string; reason: 'bounced' | 'complained' | 'unsubscribed' }[], actor: string) {
  let customersObjected = 0
  writeTransaction(db, () => {
    for (const r of records) {
      const email = r.email.trim()
      addSuppression(db, email, r.reason === 'bounced' ? 'bounced' : r.reason === 'complained' ? 'objected' : 'unsubscribed')
      if (r.reason === 'bounced') continue
      for (const id of customerIdsByEmail(db, email)) {
        changeConsent(db, { customerId: id, channel: 'email', status: 'objected', source: r.reason === 'complained' ? 'complaint' : 'unsubscribe', actor, detail: note('evidence.reportedByApi', { reason: r.reason }) })
        customersObjected++
      }
    }
  })
  return { suppressed: records.length, customersObjected }
}
