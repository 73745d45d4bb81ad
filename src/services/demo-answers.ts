import { note, type Note } from '../domain/errors.ts'
import { insertOrder } from '../repos/customers.ts'
import { getCoupon, markCouponRedeemed } from '../repos/rewards.ts'
import { DAY_MS as DAY } from '../domain/time.ts'
import { type Db, writeTransaction } from '../db/client.ts'
import { demoAnswers } from '../domain/demo-answers.ts'
import { SeededRandom } from '../domain/random.ts'
import { defaultIncentive } from '../domain/rewards.ts'
import { contactOptions, mainReason, reasonsOf, scores, text } from '../domain/survey.ts'
import { insertCampaign, insertMember, markMemberMailed } from '../repos/campaigns.ts'
import type { Campaign } from '../db/schema.ts'
import { FOLLOW_UP_DAYS } from '../domain/campaign.ts'
import { contactableCustomersLastOrderBefore } from '../repos/customers.ts'
import { dueMessages, enqueueMessage, finishMessage } from '../repos/messages.ts'
import { insertResponse } from '../repos/responses.ts'
import { changeConsent, recordConsentRequest } from './consent.ts'
import { enrolFollowUps, startFollowUp } from './follow-ups.ts'
import { grantReward } from './rewards.ts'
import { getBrand } from './settings.ts'
import { currentVersion, definitionOf, ensureDefaultSurvey } from './surveys.ts'

const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'

/**
 * A finished demo campaign with answers, so that a fresh install shows survey answers, rewards,
 * consent from the survey and a holdout: lapsed customers with consent, 10% held out, about a
 * third of the mailed ones answered. Deterministic for the seed and date.
 */
export function loadDemoAnswers(db: Db, options: { seed: number | string; asOf: Date; share?: number }): { members: number; responses: number; comebacks: number } {
  const rnd = new SeededRandom(`answers:${options.seed}`)
  const surveyId = ensureDefaultSurvey(db)
  const version = currentVersion(db, surveyId)
  const definition = definitionOf(version)
  const company = getBrand(db).name
  const started = new Date(options.asOf.getTime() - 60 * DAY)
  const lapsedBefore = new Date(options.asOf.getTime() - 150 * DAY).toISOString()
  const candidates = contactableCustomersLastOrderBefore(db, lapsedBefore)
  const chosen = candidates.filter(() => rnd.chance(options.share ?? 0.45))
  const code = (prefix: string) => `${prefix}-${Array.from({ length: 8 }, (_, i) => (i === 4 ? '-' : '') + rnd.pick([...CODE_ALPHABET])).join('')}`
  let responses = 0
  let comebacks = 0
  writeTransaction(db, () => {
    const campaign = insertCampaign(db, {
      name: 'Demo: winter win-back',
      kind: 'campaign',
      status: 'completed',
      surveyId,
      incentives: JSON.stringify([defaultIncentive]),
      target: JSON.stringify({ status: 'lapsed' }),
      startedAt: started.toISOString(),
      finishedAt: new Date(started.getTime() + 12 * DAY).toISOString(),
      // A larger holdout than the default 10%, so that the demo's win-back lift has enough customers to measure.
      holdoutPercent: 20,
      followUpDays: FOLLOW_UP_DAYS,
      createdBy: 'demo',
    })
    for (const c of chosen) {
      const holdout = rnd.chance(0.2)
      const answers = rnd.chance(0.38) && !holdout
      const opened = !holdout && (answers || rnd.chance(0.3))
      const mailedAt = new Date(started.getTime() + rnd.int(0, 2) * DAY + rnd.int(9, 17) * 3600_000)
      const member = {
        id: insertMember(db, {
          campaignId: campaign.id,
          customerId: c.id,
          arm: 0,
          holdout,
          expiresAt: new Date(mailedAt.getTime() + 30 * DAY).toISOString(),
          openedAt: opened ? new Date(mailedAt.getTime() + rnd.int(1, 48) * 3600_000).toISOString() : null,
          mailsSent: holdout ? 0 : 1,
          lastMailedAt: holdout ? null : mailedAt.toISOString(),
        }),
      }
      // Some come back: more of those who were mailed (and more again of those who answered) than of the held out.
      const comeback = (chance: number, since: Date, coupon?: { id: number; code: string }) => {
        if (!rnd.chance(chance)) return
        const at = new Date(since.getTime() + rnd.int(2, 50) * DAY + rnd.int(8, 20) * 3600_000)
        if (at.getTime() >= options.asOf.getTime()) return
        const externalId = `DEMO-BACK-${member.id}`
        const redeem = coupon && rnd.chance(0.6)
        insertOrder(db, { externalId, customerId: c.id, orderedAt: at.toISOString(), totalCents: rnd.int(1800, 9000), currency: 'EUR', items: 'Espresso Milano 1kg', couponCode: redeem ? coupon.code : null })
        if (redeem) markCouponRedeemed(db, coupon.id, at.toISOString(), externalId)
        comebacks++
      }
      if (holdout) {
        comeback(0.08, started)
        continue
      }
      enqueueMessage(db, { customerId: c.id, campaignId: campaign.id, memberId: member.id, arm: 0, kind: 'invitation', dedupeKey: `demo:${campaign.id}:${member.id}`, toAddress: c.email, locale: c.locale, payload: '{"step":1}', status: 'sent', attempts: 1, subject: c.locale === 'de' ? 'Wir vermissen Sie' : 'We miss you', sentAt: mailedAt.toISOString(), notBefore: mailedAt.toISOString() })
      if (!answers) {
        comeback(0.14, mailedAt)
        continue
      }
      const a = demoAnswers(`${options.seed}:${c.id}`, c.locale)
      const at = new Date(mailedAt.getTime() + rnd.int(1, 96) * 3600_000)
      const response = insertResponse(db, {
        memberId: member.id,
        customerId: c.id,
        surveyVersionId: version.id,
        locale: c.locale,
        status: 'complete',
        answers: JSON.stringify(a),
        mainReason: mainReason(definition, a),
        reasons: reasonsOf(definition, a),
        ...scores(definition, a),
        startedAt: at.toISOString(),
        updatedAt: at.toISOString(),
        completedAt: at.toISOString(),
      })
      const reward = grantReward(db, { responseId: response.id, customerId: c.id, campaignId: campaign.id, incentive: defaultIncentive, now: at }, code)
      const coupon = reward.couponId ? getCoupon(db, reward.couponId) : undefined
      comeback(0.3, at, coupon && { id: coupon.id, code: coupon.code })
      const contact = definition.questions.find((q) => q.type === 'consent')!
      const wording = `${text(contact.label, c.locale, company)} — ${text(contactOptions.find((o) => o.value === a.contact)!.label, c.locale, company)}`
      const base = { customerId: c.id, source: 'survey', actor: 'customer', wording, detail: note('evidence.demoResponse', { id: response.id }), now: at }
      if (a.contact === 'no') {
        changeConsent(db, { ...base, channel: 'email', status: 'objected' })
        changeConsent(db, { ...base, channel: 'phone', status: 'objected' })
      } else {
        if (a.contact === 'phone' || a.contact === 'both') changeConsent(db, { ...base, channel: 'phone', status: 'granted' })
        // A "yes" by email waits for a double opt-in the demo customers never click.
        if (a.contact === 'email' || a.contact === 'both') recordConsentRequest(db, { ...base, channel: 'email', detail: note('evidence.demoOptInRequested', { id: response.id }) })
      }
      responses++
    }
    responses += loadDemoFollowUps(db, campaign, rnd, started, options.asOf)
  })
  return { members: chosen.length, responses, comebacks }
}

const followUpTexts = {
  de: ['Lieferung war diesmal schnell, danke!', 'Der Gutschein hat mich zurückgeholt.', 'Bitte mehr Bio-Sorten.', 'Verpackung könnte weniger Plastik haben.'],
  en: ['Delivery was quick this time, thanks!', 'The coupon brought me back.', 'More organic blends, please.', 'Less plastic in the packaging would be nice.'],
}

/**
 * The demo campaign's follow-up checks after a comeback, as the nightly runs since its start would
 * have enrolled them (services/follow-ups.ts), mailed, and about half of them answered.
 */
function loadDemoFollowUps(db: Db, parent: Campaign, rnd: SeededRandom, started: Date, asOf: Date): number {
  const followUp = startFollowUp(db, parent, started)!
  for (let day = started.getTime(); day <= asOf.getTime(); day += DAY) enrolFollowUps(db, new Date(day))
  const version = currentVersion(db, followUp.surveyId)
  const definition = definitionOf(version)
  let answered = 0
  for (const message of dueMessages(db, asOf.toISOString(), 10_000, followUp.id)) {
    const sentAt = new Date(Date.parse(message.notBefore) + rnd.int(9, 17) * 3600_000)
    if (sentAt.getTime() >= asOf.getTime()) continue
    finishMessage(db, message.id, { status: 'sent', attempts: 1, subject: message.locale === 'de' ? 'Wie war Ihre Bestellung?' : 'How was your order?', sentAt: sentAt.toISOString() })
    markMemberMailed(db, message.memberId!, sentAt.toISOString(), new Date(sentAt.getTime() + followUp.linkExpiryDays * DAY).toISOString())
    if (!rnd.chance(0.5)) continue
    const at = new Date(sentAt.getTime() + rnd.int(1, 48) * 3600_000)
    if (at.getTime() >= asOf.getTime()) continue
    const locale = message.locale === 'en' ? 'en' : 'de'
    const a: Record<string, unknown> = { csat: rnd.pick([3, 4, 4, 5, 5, 5]), ces: rnd.pick([4, 5, 6, 6, 7, 7]), ...(rnd.chance(0.4) && { improve: rnd.pick(followUpTexts[locale]) }) }
    insertResponse(db, {
      memberId: message.memberId!,
      customerId: message.customerId,
      surveyVersionId: version.id,
      locale,
      status: 'complete',
      answers: JSON.stringify(a),
      mainReason: null,
      reasons: null,
      ...scores(definition, a),
      startedAt: at.toISOString(),
      updatedAt: at.toISOString(),
      completedAt: at.toISOString(),
    })
    answered++
  }
  return answered
}
