import { defaultCampaignOptions, defaultTemplates, type CampaignOptions } from '../domain/campaign.ts'
import type { Incentive } from '../domain/rewards.ts'

/**
 * The campaign builder's form ⇄ campaign options. Money in the form is in currency units,
 * shares in percent; the options schema checks the result when the campaign is saved.
 */
export type CampaignForm = Record<string, string | string[] | undefined>

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim() ?? ''
const num = (v: string | string[] | undefined) => {
  const s = one(v).replace(',', '.')
  return s === '' ? undefined : Number(s)
}
const cents = (v: string | string[] | undefined) => {
  const n = num(v)
  return n === undefined ? undefined : Math.round(n * 100)
}

export const ARM_SLOTS = 3

export function optionsFromForm(f: CampaignForm, surveyDefault: number): CampaignOptions {
  const incentives: Incentive[] = []
  for (let i = 0; i < ARM_SLOTS; i++) {
    const kind = one(f[`arm_kind_${i}`])
    const value = num(f[`arm_value_${i}`])
    if (!kind || value === undefined) continue
    const coupon = { currency: 'EUR', minOrderCents: cents(f[`arm_min_${i}`]) ?? 0, validDays: num(f[`arm_days_${i}`]) ?? 30, prefix: one(f[`arm_prefix_${i}`]).toUpperCase() || 'CB' }
    if (kind === 'percent') incentives.push({ kind: 'coupon', percent: value, ...coupon })
    else if (kind === 'amount') incentives.push({ kind: 'coupon', amountCents: Math.round(value * 100), ...coupon })
    else if (kind === 'points') incentives.push({ kind: 'points', points: value })
  }
  const days = f.send_days === undefined ? [] : (Array.isArray(f.send_days) ? f.send_days : [f.send_days]).map(Number)
  const status = one(f.target_status)
  const locale = one(f.target_locale)
  const template = (kind: 'invitation' | 'reminder', lang: 'de' | 'en') => ({ subject: one(f[`${kind}_subject_${lang}`]), body: one(f[`${kind}_body_${lang}`]) })
  return {
    name: one(f.name),
    target: {
      status: status ? (status as 'lapsed') : undefined,
      minDaysSince: num(f.target_min_days),
      minOrders: num(f.target_min_orders),
      minClvCents: cents(f.target_min_clv),
      maxPAlive: num(f.target_max_alive) === undefined ? undefined : num(f.target_max_alive)! / 100,
      locale: locale ? (locale as 'de') : undefined,
      segment: one(f.target_segment) || undefined,
    },
    surveyId: num(f.survey_id) ?? surveyDefault,
    incentives,
    holdoutPercent: num(f.holdout) ?? NaN,
    reminders: num(f.reminders) ?? NaN,
    reminderDays: one(f.reminder_days)
      .split(/[,;\s]+/)
      .filter(Boolean)
      .map(Number),
    sendDays: days,
    sendFrom: one(f.send_from),
    sendTo: one(f.send_to),
    timeZone: one(f.time_zone),
    ratePerMinute: num(f.rate) ?? NaN,
    quietDays: num(f.quiet_days) ?? NaN,
    linkExpiryDays: num(f.link_expiry) ?? NaN,
    followUpDays: num(f.follow_up_days) ?? NaN,
    templates: {
      invitation: { de: template('invitation', 'de'), en: template('invitation', 'en') },
      reminder: { de: template('reminder', 'de'), en: template('reminder', 'en') },
    },
  }
}

/** The builder's first view: the defaults, a 10% coupon, lapsed customers. */
export function defaultForm(): CampaignForm {
  const o = defaultCampaignOptions
  const f: CampaignForm = {
    name: '',
    target_status: o.target.status,
    arm_kind_0: 'percent',
    arm_value_0: '10',
    arm_days_0: '30',
    arm_prefix_0: 'CB',
    holdout: String(o.holdoutPercent),
    reminders: String(o.reminders),
    reminder_days: o.reminderDays.join(', '),
    send_days: o.sendDays.map(String),
    send_from: o.sendFrom,
    send_to: o.sendTo,
    time_zone: o.timeZone,
    rate: String(o.ratePerMinute),
    quiet_days: String(o.quietDays),
    link_expiry: String(o.linkExpiryDays),
    follow_up_days: String(o.followUpDays),
  }
  for (const kind of ['invitation', 'reminder'] as const) {
    for (const lang of ['de', 'en'] as const) {
      f[`${kind}_subject_${lang}`] = defaultTemplates[kind][lang].subject
      f[`${kind}_body_${lang}`] = defaultTemplates[kind][lang].body
    }
  }
  return f
}
