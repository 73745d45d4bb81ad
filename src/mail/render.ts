import type { Config } from '../config.ts'
import type { Db } from '../db/client.ts'
import type { Campaign, Message } from '../db/schema.ts'
import { formatLongDate, formatMoney } from '../domain/format.ts'
import { defaultTemplates, describeIncentive, fillTemplate, type CampaignOptions } from '../domain/campaign.ts'
import { translator } from '../locales/index.ts'
import type { Translate } from '../domain/i18n.ts'
import { hashToken, newToken } from '../domain/tokens.ts'
import { templates } from '../templates.ts'
import { getCampaign, memberForMail } from '../repos/campaigns.ts'
import { getCustomer, sampleCustomerForMail } from '../repos/customers.ts'
import { campaignOptions } from '../services/campaigns.ts'
import { getOptInRequest } from '../repos/messages.ts'
import { rewardView } from '../services/rewards.ts'
import { getBrand } from '../services/settings.ts'

const html = templates({ autoEscape: true, cache: true })
const text = templates({ autoEscape: false, cache: true, autoTrim: false })

export interface RenderedMail {
  subject: string
  text: string
  html: string
  headers: Record<string, string>
  /**
   * The hash of the fresh token in the mail's links, for the sender to store before the mail goes
   * out: rendering itself writes nothing.
   */
  link?: { kind: 'member' | 'opt_in'; id: number; tokenHash: string }
}

/** What a round of sending looks up once rather than per message. */
export class RenderContext {
  readonly company: string
  private readonly campaigns = new Map<number, { campaign: Campaign; options: CampaignOptions } | null>()

  constructor(private readonly db: Db) {
    this.company = getBrand(db).name
  }

  campaign(id: number) {
    if (!this.campaigns.has(id)) {
      const campaign = getCampaign(this.db, id)
      this.campaigns.set(id, campaign ? { campaign, options: campaignOptions(campaign) } : null)
    }
    return this.campaigns.get(id)!
  }
}

/**
 * Render a queued message when it is sent. Links that need a token get a fresh one now; the
 * result carries its hash (`link`) for the sender to store. Returns null when the message no
 * longer makes sense (e.g. already confirmed, or answered meanwhile).
 */
export function renderMessage(db: Db, config: Config, message: Message, context = new RenderContext(db)): RenderedMail | null {
  const t = translator(message.locale)
  const company = context.company
  const payload = JSON.parse(message.payload) as Record<string, number>
  if (message.kind === 'invitation' || message.kind === 'reminder') return renderCampaignMail(db, config, message, t, context)
  const customer = message.customerId === null ? undefined : getCustomer(db, message.customerId)
  const greeting = customer?.firstName ? t('public.mailHello', { name: customer.firstName }) : t('public.mailHelloNoName')
  const common = { lang: message.locale, t, company, greeting }

  if (message.kind === 'reward') {
    const reward = rewardView(db, payload.responseId!)
    if (!reward) return null
    const money = (cents: number, currency: string) => formatMoney(cents, currency, message.locale)
    const date = (iso: string) => formatLongDate(iso, message.locale)
    const couponLine =
      reward.kind === 'coupon'
        ? [
            reward.couponKind === 'percent' ? t('public.couponPercent', { value: reward.value }) : t('public.couponAmount', { value: money(reward.value, reward.currency) }),
            reward.minOrderCents > 0 ? t('public.couponMin', { value: money(reward.minOrderCents, reward.currency) }) : null,
            t('public.couponValid', { date: date(reward.expiresAt) }),
          ]
            .filter(Boolean)
            .join(', ')
        : ''
    const pointsLine =
      reward.kind === 'points'
        ? `${t('public.pointsBalance', { balance: reward.balance, tier: reward.tier })}. ${reward.next ? t('public.pointsNext', { missing: reward.next.missing, tier: reward.next.tier }) : t('public.pointsTop')}`
        : ''
    const subject = reward.kind === 'coupon' ? t('public.mailRewardSubjectCoupon', { code: reward.code }) : t('public.mailRewardSubjectPoints', { points: reward.granted })
    const data = { ...common, subject, reward, couponLine, pointsLine, footer: t('public.mailRewardFooter') }
    return { subject, html: html.render('/emails/reward', data), text: text.render('/emails/reward-text', data), headers: {} }
  }

  if (message.kind === 'opt_in') {
    const request = getOptInRequest(db, payload.requestId!)
    if (!request || request.confirmedAt || Date.parse(request.expiresAt) < Date.now()) return null
    const token = newToken()
    const subject = t('public.mailOptInSubject')
    const data = { ...common, subject, link: `${config.baseUrl}/c/${token}`, footer: t('public.mailOptInIgnore') }
    return {
      subject,
      html: html.render('/emails/opt-in', data),
      text: text.render('/emails/opt-in-text', data),
      headers: {},
      link: { kind: 'opt_in', id: request.id, tokenHash: hashToken(token) },
    }
  }
  return null
}

/**
 * An invitation or reminder: the campaign's text in the customer's language, personalised, with
 * a survey link and an unsubscribe link whose token is made now (only its hash is stored).
 */
function renderCampaignMail(db: Db, config: Config, message: Message, t: Translate, context: RenderContext): RenderedMail | null {
  const company = context.company
  const member = message.memberId === null ? undefined : memberForMail(db, message.memberId)
  const found = member && context.campaign(member.campaignId)
  // Answered meanwhile: no reminder.
  if (!member || !found || member.responseStatus === 'complete') return null
  const { options } = found
  const token = newToken()
  const mail = composeCampaignMail(config, member, options, message.kind === 'invitation' ? 'invitation' : 'reminder', message.locale, t, company, token, member.id)
  return { ...mail, link: { kind: 'member', id: member.id, tokenHash: hashToken(token) } }
}

/** Subject, HTML and text of an invitation or reminder, with the links of one token. */
function composeCampaignMail(
  config: Config,
  member: { firstName: string | null; favouriteItems: string | null; arm: number },
  options: CampaignOptions,
  kind: 'invitation' | 'reminder',
  locale: 'de' | 'en',
  t: Translate,
  company: string,
  token: string,
  memberId?: number,
): RenderedMail {
  // A follow-up check has no incentive.
  const incentive = options.incentives[member.arm] ?? options.incentives[0]
  const texts = { ...defaultTemplates, ...options.templates }[kind][locale]
  const favourites = member.favouriteItems?.split('|').slice(0, 2) ?? []
  const values = {
    first_name: member.firstName ?? t('public.mailDearCustomer'),
    company,
    favourite_items: favourites.length ? favourites.join(locale === 'de' ? ' und ' : ' and ') : t('public.mailFavouriteFallback'),
    incentive: incentive ? describeIncentive(incentive, locale, (cents, currency) => formatMoney(cents, currency, locale)) : '',
  }
  const surveyUrl = `${config.baseUrl}/s/${token}`
  const unsubscribeUrl = `${config.baseUrl}/u/${token}`
  const subject = fillTemplate(texts.subject, values)
  const greeting = member.firstName ? t('public.mailHello', { name: member.firstName }) : t('public.mailHelloNoName')
  const data = {
    lang: locale,
    t,
    company,
    greeting,
    subject,
    paragraphs: fillTemplate(texts.body, values).split(/\n\s*\n/),
    surveyUrl,
    unsubscribeUrl,
    objection: t('public.mailObjection', { company }),
    footer: company,
  }
  const listUnsubscribe = [`<${unsubscribeUrl}>`, ...(config.unsubscribeMailto ? [`<mailto:${config.unsubscribeMailto}?subject=unsubscribe%20${memberId ?? 0}>`] : [])].join(', ')
  return {
    subject,
    html: html.render('/emails/campaign', data),
    text: text.render('/emails/campaign-text', data),
    headers: { 'List-Unsubscribe': listUnsubscribe, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  }
}

/**
 * A campaign mail as a sample customer would get it, for the builder's preview: nothing is
 * stored, and the links point nowhere real.
 */
export function previewCampaignMail(db: Db, config: Config, campaignId: number, kind: 'invitation' | 'reminder', locale: 'de' | 'en'): RenderedMail | null {
  const context = new RenderContext(db)
  const found = context.campaign(campaignId)
  if (!found) return null
  const t = translator(locale)
  const sample = sampleCustomerForMail(db, locale)
  return composeCampaignMail(config, { firstName: sample?.firstName ?? (locale === 'de' ? 'Anna' : 'Emma'), favouriteItems: sample?.favouriteItems ?? null, arm: 0 }, found.options, kind, locale, t, context.company, 'preview-link')
}
