import { note, type Note } from '../domain/errors.ts'
import { DAY_MS } from '../domain/time.ts'
import { type Db, isDatabaseBusy, readTransaction, writeTransaction } from '../db/client.ts'
import type { Campaign, CampaignMember, Customer, ResponseRow, SurveyVersion } from '../db/schema.ts'
import type { Locale } from '../domain/import-records.ts'
import { incentiveSchema } from '../domain/rewards.ts'
import {
  contactOptions,
  isVisible,
  mainReason,
  reasonsOf,
  nextQuestion,
  pruneHidden,
  readAnswer,
  scores,
  text,
  type AnswerError,
  type Answers,
  type SurveyDefinition,
} from '../domain/survey.ts'
import { hashToken } from '../domain/tokens.ts'
import { getCampaign, getMemberByTokenHash, markMemberOpened } from '../repos/campaigns.ts'
import { isSuppressed } from '../repos/consent.ts'
import { getCustomer } from '../repos/customers.ts'
import { enqueueMessage, insertOptInRequest } from '../repos/messages.ts'
import { completeResponseRow, getResponseByMember, insertResponse, updatePartialAnswers } from '../repos/responses.ts'
import { getSurveyVersion } from '../repos/surveys.ts'
import { changeConsent, recordConsentRequest } from './consent.ts'
import { emitEvent } from './webhooks.ts'
import { getCoupon } from '../repos/rewards.ts'
import { grantReward } from './rewards.ts'
import { getBrand } from './settings.ts'
import { currentVersion, definitionOf } from './surveys.ts'

/** How long the confirmation link of a double opt-in works. */
export const OPT_IN_VALID_DAYS = 30

/** The shape of a survey token: 32 characters of nanoid's alphabet. Anything else is not looked up. */
export const TOKEN_PATTERN = /^[0-9A-Za-z_-]{32}$/

export interface SurveySession {
  member: CampaignMember
  campaign: Campaign
  customer: Customer
  version: SurveyVersion
  definition: SurveyDefinition
  response: ResponseRow | null
  answers: Answers
  company: string
}

/**
 * The survey behind a link, or null when the token is unknown or the link expired (the same
 * answer for both). It only reads: the first open is noted by `noteFirstOpen`.
 */
export function openSurveyLink(db: Db, token: string, now = new Date()): SurveySession | null {
  if (!TOKEN_PATTERN.test(token)) return null
  // One snapshot for the handful of reads (and one lock round instead of one per statement).
  return readTransaction(db, () => readSession(db, hashToken(token), now))
}

/**
 * Note the first open of a member's link (the campaign's funnel counts it), when it can be: a
 * long write holding the lock is no reason to fail anything (the next open, or the answer,
 * notes it).
 */
export function noteFirstOpen(db: Db, session: SurveySession, now = new Date()): void {
  if (session.member.openedAt) return
  try {
    markMemberOpened(db, session.member.id, now.toISOString())
  } catch (e) {
    if (!isDatabaseBusy(e)) throw e
  }
}

function readSession(db: Db, tokenHash: string, now: Date): SurveySession | null {
  const member = getMemberByTokenHash(db, tokenHash)
  if (!member || Date.parse(member.expiresAt) < now.getTime()) return null
  const campaign = getCampaign(db, member.campaignId)
  const customer = getCustomer(db, member.customerId)
  if (!campaign || !customer) return null
  const response = getResponseByMember(db, member.id) ?? null
  // A started response keeps the version it began with; a new one gets the latest.
  const version = response ? getSurveyVersion(db, response.surveyVersionId)! : currentVersion(db, campaign.surveyId)
  return {
    member,
    campaign,
    customer,
    version,
    definition: definitionOf(version),
    response,
    answers: response ? (JSON.parse(response.answers) as Answers) : {},
    company: getBrand(db).name,
  }
}

export type AnswerOutcome = { error: AnswerError } | { done: boolean }

/**
 * Save one answer (creating the partial response on the first), and complete the response when
 * no question is left. Answers to questions an earlier change hid are dropped.
 */
export function answerQuestion(
  db: Db,
  session: SurveySession,
  key: string,
  form: { q?: string | string[]; other?: string },
  locale: Locale,
  now = new Date(),
): AnswerOutcome {
  if (session.response?.status === 'complete') return { done: true }
  const question = session.definition.questions.find((q) => q.key === key)
  if (!question || !isVisible(question, session.answers)) return { error: 'invalid' }
  const read = readAnswer(question, form, session.answers)
  if ('error' in read) return read
  const answers = pruneHidden(session.definition, { ...session.answers, [key]: read.value })
  const at = now.toISOString()
  const done = nextQuestion(session.definition, answers) === null
  writeTransaction(db, () => {
    if (!session.response) {
      session.response = insertResponse(db, {
        memberId: session.member.id,
        customerId: session.customer.id,
        surveyVersionId: session.version.id,
        locale,
        status: 'partial',
        answers: JSON.stringify(answers),
        startedAt: at,
        updatedAt: at,
      })
    } else if (!updatePartialAnswers(db, session.response.id, JSON.stringify(answers), at)) {
      // Completed meanwhile (another tab): nothing to save.
      return
    }
    session.answers = answers
    if (done) completeResponse(db, session, locale, now)
  })
  return { done }
}

/**
 * Complete the response, grant its reward and record the contact answer as consent, all in the
 * caller's transaction. A response already complete is left alone: one response, one reward.
 */
function completeResponse(db: Db, session: SurveySession, locale: Locale, now: Date): void {
  const response = session.response!
  const s = scores(session.definition, session.answers)
  const completed = completeResponseRow(db, response.id, {
    answers: JSON.stringify(session.answers),
    at: now.toISOString(),
    mainReason: mainReason(session.definition, session.answers),
    reasons: reasonsOf(session.definition, session.answers),
    ...s,
  })
  if (!completed) return
  emitEvent(db, 'response.completed', { response_id: response.id, customer_id: session.customer.externalId, campaign_id: session.campaign.id, main_reason: mainReason(session.definition, session.answers), ...s }, now)
  // The contact answer first: a "no" suppresses the address before any mail is queued.
  recordContactAnswer(db, session, locale, now)
  const incentives = incentiveSchema.array().parse(JSON.parse(session.campaign.incentives))
  const incentive = incentives[session.member.arm] ?? incentives[0]
  if (incentive) {
    const reward = grantReward(db, { responseId: response.id, customerId: session.customer.id, campaignId: session.campaign.id, incentive, now })
    emitEvent(db, 'reward.granted', { customer_id: session.customer.externalId, response_id: response.id, kind: reward.kind, points: reward.points, coupon: reward.couponId === null ? null : getCoupon(db, reward.couponId)?.code ?? null }, now)
    const email = session.customer.email
    if (email && !isSuppressed(db, email)) {
      enqueueMessage(db, { customerId: session.customer.id, kind: 'reward', dedupeKey: `reward:${response.id}`, toAddress: email, locale, payload: JSON.stringify({ responseId: response.id }) })
    }
  }
}

/** The contact question becomes consent, with the exact wording the customer saw. */
function recordContactAnswer(db: Db, session: SurveySession, locale: Locale, now: Date): void {
  const question = session.definition.questions.find((q) => q.type === 'consent')
  const answer = question ? session.answers[question.key] : undefined
  if (!question || typeof answer !== 'string') return
  const option = (question.options ?? contactOptions).find((o) => o.value === answer)
  const wording = `${text(question.label, locale, session.company)} — ${option ? text(option.label, locale, session.company) : answer}`
  const base = { customerId: session.customer.id, source: 'survey', actor: 'customer', wording, detail: note('evidence.response', { id: session.response!.id }), now }
  if (answer === 'no') {
    changeConsent(db, { ...base, channel: 'email', status: 'objected' })
    changeConsent(db, { ...base, channel: 'phone', status: 'objected' })
    return
  }
  if (answer === 'phone' || answer === 'both') changeConsent(db, { ...base, channel: 'phone', status: 'granted' })
  if ((answer === 'email' || answer === 'both') && session.customer.email) {
    // Email consent only counts once the customer confirms it from the mail (double opt-in).
    recordConsentRequest(db, { ...base, channel: 'email', detail: note('evidence.optInRequested', { id: session.response!.id }) })
    const request = insertOptInRequest(db, {
      customerId: session.customer.id,
      email: session.customer.email,
      wording,
      requestedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + OPT_IN_VALID_DAYS * DAY_MS).toISOString(),
    })
    enqueueMessage(db, { customerId: session.customer.id, kind: 'opt_in', dedupeKey: `opt_in:${request.id}`, toAddress: session.customer.email, locale, payload: JSON.stringify({ requestId: request.id }) })
  }
}
