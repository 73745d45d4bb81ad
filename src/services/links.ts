import { DAY_MS } from '../domain/time.ts'
import { type Db, writeTransaction } from '../db/client.ts'
import type { Campaign } from '../db/schema.ts'
import { notFound } from '../domain/errors.ts'
import { hashToken, newToken } from '../domain/tokens.ts'
import { addAuditEntry } from '../repos/audit.ts'
import { addMemberToken, deleteMemberTokens, ensureStandingCampaign, findCampaignByKind, getCampaign, upsertMember } from '../repos/campaigns.ts'
import { getCustomer } from '../repos/customers.ts'
import { getDefaultIncentive } from './settings.ts'
import { ensureDefaultSurvey, ensureExitSurvey } from './surveys.ts'


/** A standing campaign of links made one at a time (never mailed in bulk), created on first use with the default incentive. */
function standingCampaign(db: Db, kind: 'personal' | 'exit', name: string, surveyId: () => number): Campaign {
  return (
    findCampaignByKind(db, kind) ??
    ensureStandingCampaign(db, { name, kind, status: 'sending', surveyId: surveyId(), incentives: JSON.stringify([getDefaultIncentive(db)]), linkExpiryDays: 30 })
  )
}

/** The links staff make on the customer page or with `comeback link`: the default survey. */
export function personalLinksCampaign(db: Db): Campaign {
  return standingCampaign(db, 'personal', 'Personal links', () => ensureDefaultSurvey(db))
}

/** The links a shop puts into its cancellation confirmation (API): the short exit survey. */
export function exitSurveyCampaign(db: Db): Campaign {
  return standingCampaign(db, 'exit', 'Exit survey', () => ensureExitSurvey(db))
}

/**
 * A personal survey link for one customer: a fresh 192-bit token whose hash is stored. Asking
 * again replaces the token, so only the newest link works.
 */
export function createSurveyLink(
  db: Db,
  customerId: number,
  options: { baseUrl: string; actor: string; campaignId?: number; now?: Date },
): { url: string; token: string; expiresAt: string; campaign: Campaign } {
  if (!getCustomer(db, customerId)) throw notFound('customer')
  const campaign = options.campaignId === undefined ? personalLinksCampaign(db) : getCampaign(db, options.campaignId)
  if (!campaign) throw notFound('campaign')
  const token = newToken()
  const now = options.now ?? new Date()
  const expiresAt = new Date(now.getTime() + campaign.linkExpiryDays * DAY_MS).toISOString()
  writeTransaction(db, () => {
    const member = upsertMember(db, { campaignId: campaign.id, customerId, expiresAt })
    deleteMemberTokens(db, member.id)
    addMemberToken(db, member.id, hashToken(token))
    addAuditEntry(db, { actor: options.actor, action: 'link.create', subject: String(customerId), detail: { campaign: campaign.id } })
  })
  return { url: `${options.baseUrl}/s/${token}`, token, expiresAt, campaign }
}
