import { Eta } from 'eta'
import type { Config } from '../config.ts'
import type { Db } from '../db/client.ts'
import type { Message } from '../db/schema.ts'
import { formatMoney } from '../domain/format.ts'
import { defaultTemplates, describeIncentive, fillTemplate } from '../domain/campaign.ts'
import { translator, type Translate } from '../domain/i18n.ts'
import { hashToken, newToken } from '../domain/tokens.ts'
import { viewsDir } from '../paths.ts'
import { getCustomerAnalysis } from '../repos/analysis.ts'
import { addMemberToken, getCampaign, getMember } from '../repos/campaigns.ts'
import { getCustomer } from '../repos/customers.ts'
import { getResponseByMember } from '../repos/responses.ts'
import { campaignOptions } from '../services/campaigns.ts'
import { getOptInRequest, setOptInToken } from '../repos/messages.ts'
import { rewardView } from '../services/rewards.ts'
import { getBrand } from '../services/settings.ts'

const html = new Eta({ views: viewsDir, autoEscape: true, cache: true })
const text = new Eta({ views: viewsDir, autoEscape: false, cache: true, autoTrim: false })

export interface RenderedMail {
  subject: string
  text: string
  html: string
  headers: Record<string, string>
}

/**
 * Render a queued message when it is sent. Links that need a token get a fresh one now, and only
 * its hash is stored. Returns null when the message no longer makes sense (e.g. already confirmed).
 */
export function renderMessage(db: Db, config: Config, message: Message): RenderedMail | null {
  const t = translator(message.locale)
  const customer = message.customerId === null ? undefined : getCustomer(db, message.customerId)
  const company = getBrand(db).name
  const greeting = customer?.firstName ? t('mailHello', { name: customer.firstName }) : t('mailHelloNoName')
  const payload = JSON.parse(message.payload) as Record<string, number>
  const common = { lang: message.locale, t, company, greeting }

  if (message.kind === 'reward') {
    const reward = rewardView(db, payload.responseId!)
    if (!reward) return null
    const money = (cents: number, currency: string) => formatMoney(cents, currency, message.locale)
    const date = (iso: string) => new Date(iso).toLocaleDateString(message.locale === 'de' ? 'de-DE' : 'en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })
    const couponLine =
      reward.kind === 'coupon'
        ? [
            reward.couponKind === 'percent' ? t('couponPercent', { value: reward.value }) : t('couponAmount', { value: money(reward.value, reward.currency) }),
            reward.minOrderCents > 0 ? t('couponMin', { value: money(reward.minOrderCents, reward.currency) }) : null,
            t('couponValid', { date: date(reward.expiresAt) }),
          ]
            .filter(Boolean)
            .join(', ')
        : ''
    const pointsLine =
      reward.kind === 'points'
        ? `${t('pointsBalance', { balance: reward.balance, tier: reward.tier })}. ${reward.next ? t('pointsNext', { missing: reward.next.missing, tier: reward.next.tier }) : t('pointsTop')}`
        : ''
    const subject = reward.kind === 'coupon' ? t('mailRewardSubjectCoupon', { code: reward.code }) : t('mailRewardSubjectPoints', { points: reward.granted })
    const data = { ...common, subject, reward, couponLine, pointsLine, footer: t('mailRewardFooter') }
    return { subject, html: html.render('/emails/reward', data), text: text.render('/emails/reward-text', data), headers: {} }
  }

  if (message.kind === 'opt_in') {
    const request = getOptInRequest(db, payload.requestId!)
    if (!request || request.confirmedAt || Date.parse(request.expiresAt) < Date.now()) return null
    const token = newToken()
    setOptInToken(db, request.id, hashToken(token))
    const subject = t('mailOptInSubject')
    const data = { ...common, subject, link: `${config.baseUrl}/c/${token}`, footer: t('mailOptInIgnore') }
    return { subject, html: html.render('/emails/opt-in', data), text: text.render('/emails/opt-in-text', data), headers: {} }
  }
  return renderCampaignMail(db, config, message, common)
}

/**
 * An invitation or reminder: the campaign's text in the customer's language, personalised, with
 * a survey link and an unsubscribe link whose token is made now (only its hash is stored).
 */
function renderCampaignMail(db: Db, config: Config, message: Message, common: { lang: 'de' | 'en'; t: Translate; company: string; greeting: string }): RenderedMail | null {
  const { t, company } = common
  const member = message.memberId === null ? undefined : getMember(db, message.memberId)
  const campaign = member && getCampaign(db, member.campaignId)
  const customer = member && getCustomer(db, member.customerId)
  if (!member || !campaign || !customer) return null
  // Answered meanwhile: no reminder.
  if (getResponseByMember(db, member.id)?.status === 'complete') return null
  const options = campaignOptions(campaign)
  const incentive = options.incentives[member.arm] ?? options.incentives[0]!
  const texts = { ...defaultTemplates, ...options.templates }[message.kind === 'invitation' ? 'invitation' : 'reminder'][message.locale]
  const favourites = getCustomerAnalysis(db, customer.id)?.favouriteItems?.split('|').slice(0, 2) ?? []
  const values = {
    first_name: customer.firstName ?? t('mailDearCustomer'),
    company,
    favourite_items: favourites.length ? favourites.join(message.locale === 'de' ? ' und ' : ' and ') : t('mailFavouriteFallback'),
    incentive: describeIncentive(incentive, message.locale, (cents, currency) => formatMoney(cents, currency, message.locale)),
  }
  const token = newToken()
  addMemberToken(db, member.id, hashToken(token))
  const surveyUrl = `${config.baseUrl}/s/${token}`
  const unsubscribeUrl = `${config.baseUrl}/u/${token}`
  const subject = fillTemplate(texts.subject, values)
  const data = {
    ...common,
    subject,
    paragraphs: fillTemplate(texts.body, values).split(/\n\s*\n/),
    surveyUrl,
    unsubscribeUrl,
    objection: t('mailObjection', { company }),
    footer: company,
  }
  const listUnsubscribe = [`<${unsubscribeUrl}>`, ...(config.unsubscribeMailto ? [`<mailto:${config.unsubscribeMailto}?subject=unsubscribe%20${member.id}>`] : [])].join(', ')
  return {
    subject,
    html: html.render('/emails/campaign', data),
    text: text.render('/emails/campaign-text', data),
    headers: { 'List-Unsubscribe': listUnsubscribe, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  }
}
