import { Eta } from 'eta'
import type { Config } from '../config.ts'
import type { Db } from '../db/client.ts'
import type { Message } from '../db/schema.ts'
import { formatMoney } from '../domain/format.ts'
import { translator } from '../domain/i18n.ts'
import { hashToken, newToken } from '../domain/tokens.ts'
import { viewsDir } from '../paths.ts'
import { getCustomer } from '../repos/customers.ts'
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
  throw new Error(`no renderer for ${message.kind} messages yet`)
}
