import { cachedStatement, ruleStatement, type Db } from '../db/client.ts'
import { filterWhere, type CustomerFilters } from './customers.ts'
import type { SegmentWhere } from './segments.ts'

/** Why a targeted customer is not mailed (SPEC §5), in the order they are checked. */
export const exclusionReasons = ['no_email', 'objected', 'bounced', 'unsubscribed', 'no_consent', 'quiet_period'] as const
export type ExclusionReason = (typeof exclusionReasons)[number]

export interface EligibilityRules {
  /** May `existing_customer` consent be the basis (UWG §7(3)), as the admin decided. */
  existingCustomerBasis: boolean
  /** Left out when another campaign mailed them since this instant. */
  quietSince: string | null
  campaignId: number | null
}

/** The consent checks, in order; customers `c`, suppressions `s`, parameter @existingBasis. */
const basisChecks = `
  WHEN c.email IS NULL THEN 'no_email'
  WHEN c.email_consent = 'objected' THEN 'objected'
  WHEN s.reason = 'bounced' THEN 'bounced'
  WHEN s.email IS NOT NULL THEN 'unsubscribed'
  WHEN NOT (c.email_consent = 'granted' OR (c.email_consent = 'existing_customer' AND @existingBasis = 1)) THEN 'no_consent'`

/** Mailed by another campaign since @quietSince (parameters @quietSince, @campaignId). */
const quietCheck = `
  WHEN @quietSince IS NOT NULL AND EXISTS (
    SELECT 1 FROM messages m WHERE m.customer_id = c.id AND m.kind IN ('invitation', 'reminder') AND m.status = 'sent'
      AND m.sent_at >= @quietSince AND m.campaign_id IS NOT @campaignId) THEN 'quiet_period'`

function eligibilityQuery(target: CustomerFilters, rules: EligibilityRules, segment?: SegmentWhere) {
  const filters = filterWhere(target)
  const where = segment ? `${filters.where ? `${filters.where} AND` : 'WHERE'} (${segment.sql})` : filters.where
  const params = segment ? { ...filters.params, ...segment.params } : filters.params
  const sql = `
    SELECT c.id AS customerId, a.value_if_won_cents AS valueIfWonCents, a.clv_cents AS clvCents,
      CASE ${basisChecks} ${quietCheck}
      END AS excluded
    FROM customers c
    LEFT JOIN customer_analysis a ON a.customer_id = c.id
    LEFT JOIN suppressions s ON s.email = lower(c.email)
    ${where}`
  return { sql, params: { ...params, existingBasis: rules.existingCustomerBasis ? 1 : 0, quietSince: rules.quietSince, campaignId: rules.campaignId } }
}

export interface TargetPreview {
  targeted: number
  eligible: number
  excluded: Record<ExclusionReason, number>
  valueIfWonCents: number
  expectedValueCents: number
}

/** How many a target reaches, how many are left out and why, and the value at stake. */
export function previewTarget(db: Db, target: CustomerFilters, rules: EligibilityRules, segment?: SegmentWhere): TargetPreview {
  const q = eligibilityQuery(target, rules, segment)
  const rows = ruleStatement(db, `SELECT excluded, count(*) AS n, coalesce(sum(valueIfWonCents), 0) AS ifWon, coalesce(sum(clvCents), 0) AS clv FROM (${q.sql}) GROUP BY excluded`, segment !== undefined).all(q.params) as { excluded: ExclusionReason | null; n: number; ifWon: number; clv: number }[]
  const excluded = Object.fromEntries(exclusionReasons.map((r) => [r, 0])) as Record<ExclusionReason, number>
  let eligible = 0
  let valueIfWonCents = 0
  let expectedValueCents = 0
  for (const r of rows) {
    if (r.excluded === null) {
      eligible = r.n
      valueIfWonCents = r.ifWon
      expectedValueCents = r.clv
    } else excluded[r.excluded] = r.n
  }
  return { targeted: rows.reduce((s, r) => s + r.n, 0), eligible, excluded, valueIfWonCents, expectedValueCents }
}

/** The ids of the eligible customers, in id order. */
export function eligibleCustomerIds(db: Db, target: CustomerFilters, rules: EligibilityRules, segment?: SegmentWhere): number[] {
  const q = eligibilityQuery(target, rules, segment)
  return ruleStatement(db, `SELECT customerId FROM (${q.sql}) WHERE excluded IS NULL ORDER BY customerId`, segment !== undefined).pluck().all(q.params) as number[]
}

/**
 * Why one customer may not be mailed right now, or null: the same checks as when the campaign
 * started (consent withdrawn, unsubscribed, bounced, mailed by another campaign meanwhile).
 */
export function currentExclusion(db: Db, customerId: number, rules: EligibilityRules): ExclusionReason | null {
  const row = cachedStatement(db, `SELECT CASE ${basisChecks} ${quietCheck} END AS excluded FROM customers c LEFT JOIN suppressions s ON s.email = lower(c.email) WHERE c.id = @id`).get({
    existingBasis: rules.existingCustomerBasis ? 1 : 0,
    quietSince: rules.quietSince,
    campaignId: rules.campaignId,
    id: customerId,
  }) as { excluded: ExclusionReason | null } | undefined
  return row ? row.excluded : 'no_email'
}
