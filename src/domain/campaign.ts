import { z } from 'zod'
import { DAY_MS } from './time.ts'
import { AppError, note } from './errors.ts'
import type { Locale } from './import-records.ts'
import { incentiveSchema, type Incentive } from './rewards.ts'

/** Campaign rules (SPEC §5): states and their changes, options, send window, mail texts. */

export const campaignStatuses = ['draft', 'scheduled', 'sending', 'paused', 'completed', 'cancelled'] as const
export type CampaignStatus = (typeof campaignStatuses)[number]
export type CampaignAction = 'schedule' | 'start' | 'pause' | 'resume' | 'cancel' | 'complete'

/** Every allowed change of state, in one place. */
const transitions: Record<CampaignStatus, Partial<Record<CampaignAction, CampaignStatus>>> = {
  draft: { schedule: 'scheduled', start: 'sending', cancel: 'cancelled' },
  scheduled: { start: 'sending', pause: 'paused', cancel: 'cancelled' },
  sending: { pause: 'paused', complete: 'completed', cancel: 'cancelled' },
  paused: { resume: 'sending', cancel: 'cancelled' },
  completed: {},
  cancelled: {},
}

export function nextStatus(from: CampaignStatus, action: CampaignAction): CampaignStatus {
  const to = transitions[from][action]
  if (!to) throw new AppError(note('err.campaignState', undefined, { from: note(`campaignStatus.${from}`), to: note(`campaignVerb.${action}`) }), 409, 'campaign_state')
  return to
}

export function allowedActions(from: CampaignStatus): CampaignAction[] {
  return Object.keys(transitions[from]) as CampaignAction[]
}

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'v.time')
const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz })
    return true
  } catch {
    return false
  }
}, 'v.timeZone')

export const templateTextSchema = z.object({ subject: z.string().trim().min(1).max(200), body: z.string().trim().min(1).max(5000) })
export const templatesSchema = z.object({
  invitation: z.object({ de: templateTextSchema, en: templateTextSchema }).optional(),
  reminder: z.object({ de: templateTextSchema, en: templateTextSchema }).optional(),
})
export type CampaignTemplates = z.infer<typeof templatesSchema>

export const targetSchema = z.object({
  status: z.enum(['active', 'at_risk', 'lapsed', 'lost']).optional(),
  minDaysSince: z.number().int().min(0).optional(),
  minOrders: z.number().int().min(0).optional(),
  minSpendCents: z.number().int().min(0).optional(),
  minClvCents: z.number().int().min(0).optional(),
  maxPAlive: z.number().min(0).max(1).optional(),
  minPriorityCents: z.number().int().optional(),
  locale: z.enum(['de', 'en']).optional(),
  /** A segment (saved id or built-in slug) the members must also be in; its rules are read when the campaign starts. */
  segment: z.string().regex(/^[a-z0-9-]{1,40}$/).optional(),
})
export type CampaignTarget = z.infer<typeof targetSchema>

/** The follow-up check after a comeback goes this many days after the first new order, unless a campaign says otherwise. */
export const FOLLOW_UP_DAYS = 14

export const campaignOptionsSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    target: targetSchema,
    surveyId: z.number().int().positive(),
    incentives: z.array(incentiveSchema).min(1).max(4),
    holdoutPercent: z.number().int().min(0).max(50, 'v.maxPercentOf'),
    reminders: z.number().int().min(0).max(5),
    reminderDays: z.array(z.number().int().min(1).max(60)).max(5),
    sendDays: z.array(z.number().int().min(1).max(7)).min(1, 'v.weekday'),
    sendFrom: hhmm,
    sendTo: hhmm,
    timeZone,
    ratePerMinute: z.number().int().min(1).max(1_000_000),
    quietDays: z.number().int().min(0).max(365),
    linkExpiryDays: z.number().int().min(1).max(365),
    /** Days after a won-back customer's first new order for the short follow-up check; 0: none. */
    followUpDays: z.number().int().min(0).max(180).default(FOLLOW_UP_DAYS),
    templates: templatesSchema,
  })
  .refine((o) => o.sendFrom < o.sendTo, { message: 'v.windowOrder', path: ['sendTo'] })
  .refine((o) => o.reminderDays.length >= o.reminders, { message: 'v.reminderDays', path: ['reminderDays'] })
export type CampaignOptions = z.infer<typeof campaignOptionsSchema>

export const defaultCampaignOptions: Omit<CampaignOptions, 'name' | 'surveyId' | 'incentives'> = {
  target: { status: 'lapsed' },
  holdoutPercent: 10,
  reminders: 2,
  reminderDays: [4, 7],
  sendDays: [1, 2, 3, 4, 5],
  sendFrom: '09:00',
  sendTo: '18:00',
  timeZone: 'Europe/Berlin',
  ratePerMinute: 60,
  quietDays: 30,
  linkExpiryDays: 30,
  followUpDays: FOLLOW_UP_DAYS,
  templates: {},
}

const formats = new Map<string, Intl.DateTimeFormat>()

/** Weekday (1 = Monday) and minutes since midnight of an instant in a time zone. */
function localTime(at: Date, tz: string): { weekday: number; minutes: number } {
  // The sender asks for every message: within one minute the answer is the same (zones are
  // whole minutes off UTC today), and Intl's formatToParts costs more than the rest of the check.
  const minute = Math.floor(at.getTime() / 60_000)
  const last = lastLocalTime.get(tz)
  if (last?.minute === minute) return last.value
  const value = localTimeNow(at, tz)
  lastLocalTime.set(tz, { minute, value })
  return value
}
const lastLocalTime = new Map<string, { minute: number; value: { weekday: number; minutes: number } }>()

function localTimeNow(at: Date, tz: string): { weekday: number; minutes: number } {
  let format = formats.get(tz)
  if (!format) formats.set(tz, (format = new Intl.DateTimeFormat('en-GB', { timeZone: tz, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })))
  const parts = format.formatToParts(at)
  const get = (type: string) => parts.find((p) => p.type === type)!.value
  const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(get('weekday')) + 1
  return { weekday, minutes: Number(get('hour')) * 60 + Number(get('minute')) }
}

/**
 * A wall-clock time typed into the builder (`2026-12-01T09:30`, as a datetime-local field sends
 * it) as an instant in the campaign's time zone; null when it is not such a time.
 */
export function zonedTime(local: string, tz: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local.trim())
  if (!m) return null
  const [y, mo, d, h, mi, sec] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number]
  const wall = Date.UTC(y, mo - 1, d, h, mi, sec)
  const check = new Date(wall)
  if (Number.isNaN(wall) || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59) return null
  // The zone's offset at that moment, found by formatting a guess; a second pass settles DST edges.
  let at = wall - zoneOffsetMs(new Date(wall), tz)
  at = wall - zoneOffsetMs(new Date(at), tz)
  return new Date(at)
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>()
/** Date and wall-clock time of an instant in a time zone, as parts. */
function wallClock(at: Date, tz: string): Record<string, string> {
  let format = offsetFormats.get(tz)
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
    offsetFormats.set(tz, format)
  }
  return Object.fromEntries(format.formatToParts(at).map((x) => [x.type, x.value]))
}

function zoneOffsetMs(at: Date, tz: string): number {
  const p = wallClock(at, tz)
  return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)) - Math.floor(at.getTime() / 1000) * 1000
}

const minutesOf = (hm: string) => Number(hm.slice(0, 2)) * 60 + Number(hm.slice(3, 5))

export interface SendWindow {
  sendDays: number[]
  sendFrom: string
  sendTo: string
  timeZone: string
}

export function inSendWindow(at: Date, w: SendWindow): boolean {
  const { weekday, minutes } = localTime(at, w.timeZone)
  return w.sendDays.includes(weekday) && minutes >= minutesOf(w.sendFrom) && minutes < minutesOf(w.sendTo)
}

/**
 * The next instant, at or after `at`, inside the window: now if the window is open, else the
 * start of the window on the next allowed day (found as a wall-clock time in the window's zone,
 * so that a window of any length, even one minute, is found exactly).
 */
export function nextSendTime(at: Date, w: SendWindow): Date {
  if (inSendWindow(at, w)) return at
  for (let day = 0; day <= 7; day++) {
    const start = zonedTime(`${localDate(new Date(at.getTime() + day * DAY_MS), w.timeZone)}T${w.sendFrom}`, w.timeZone)
    if (start && start.getTime() >= at.getTime() && inSendWindow(start, w)) return start
  }
  // Only when no weekday is allowed, which the options schema refuses.
  return at
}

/** The calendar day (YYYY-MM-DD) of an instant in a time zone. */
function localDate(at: Date, tz: string): string {
  const p = wallClock(at, tz)
  return `${p.year}-${p.month}-${p.day}`
}

export const defaultTemplates: Required<CampaignTemplates> = {
  invitation: {
    de: {
      subject: '{first_name}, wir vermissen Sie',
      body: 'Sie haben schon eine Weile nicht mehr bei {company} bestellt – früher gerne {favourite_items}.\n\nVerraten Sie uns in 2–3 Minuten, warum? Ihre Antworten helfen uns, besser zu werden. Als Dankeschön erhalten Sie {incentive}.',
    },
    en: {
      subject: '{first_name}, we miss you',
      body: 'You have not ordered from {company} for a while – you used to enjoy {favourite_items}.\n\nWould you tell us why, in 2–3 minutes? Your answers help us get better. As a thank-you you receive {incentive}.',
    },
  },
  reminder: {
    de: {
      subject: 'Noch 2 Minuten für uns, {first_name}?',
      body: 'Vor ein paar Tagen haben wir Sie gefragt, warum Sie nicht mehr bei {company} bestellen. Falls Sie es noch nicht geschafft haben: Die Umfrage dauert nur 2–3 Minuten, und als Dankeschön erhalten Sie {incentive}.',
    },
    en: {
      subject: 'Two more minutes for us, {first_name}?',
      body: 'A few days ago we asked why you no longer order from {company}. In case you have not found the time yet: the survey takes only 2–3 minutes, and as a thank-you you receive {incentive}.',
    },
  },
}

/** The follow-up check's mail after a comeback (no reminder, no incentive). */
export const followUpTemplates: Required<Pick<CampaignTemplates, 'invitation'>> = {
  invitation: {
    de: {
      subject: '{first_name}, wie war Ihre Bestellung?',
      body: 'Schön, dass Sie wieder bei {company} bestellt haben.\n\nWie war es diesmal? Drei kurze Fragen, eine Minute – Ihre Antwort hilft uns, dass es so gut bleibt oder besser wird.',
    },
    en: {
      subject: '{first_name}, how was your order?',
      body: 'Good to see you ordering from {company} again.\n\nHow was it this time? Three short questions, one minute – your answer helps us keep it this good or make it better.',
    },
  },
}

/** "einen Gutschein über 10 %", "200 Treuepunkte": the incentive as the mail names it. */
export function describeIncentive(incentive: Incentive, locale: Locale, money: (cents: number, currency: string) => string): string {
  if (incentive.kind === 'points') return locale === 'de' ? `${incentive.points} Treuepunkte` : `${incentive.points} loyalty points`
  const value = incentive.percent !== undefined ? `${incentive.percent} %` : money(incentive.amountCents!, incentive.currency)
  return locale === 'de' ? `einen Gutschein über ${value}` : `a coupon worth ${value.replace(' %', '%')}`
}

/** Fill a template's placeholders: {first_name}, {company}, {favourite_items}, {incentive}. */
export function fillTemplate(text: string, values: Record<string, string>): string {
  return text.replace(/\{(first_name|company|favourite_items|incentive)\}/g, (_, k: string) => values[k] ?? '')
}
