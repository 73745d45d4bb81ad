import { z } from 'zod'
import type { Db } from '../db/client.ts'
import { defaultAnalysisSettings, type AnalysisSettings } from '../domain/analysis.ts'
import { AppError } from '../domain/errors.ts'
import { defaultIncentive, incentiveSchema, type Incentive } from '../domain/rewards.ts'
import { addAuditEntry } from '../repos/audit.ts'
import { getSetting, putSetting } from '../repos/settings.ts'

/** The analysis settings admins edit (SPEC §4): lapse thresholds, CLV horizon, discount, margin, incentive cost. */
export const analysisSettingsSchema = z
  .object({
    lapse: z.object({
      atRisk: z.number({ error: 'must be a number' }).gt(1, 'must be more than 1').max(20, 'must be at most 20'),
      lapsed: z.number({ error: 'must be a number' }).gt(1, 'must be more than 1').max(50, 'must be at most 50'),
      lost: z.number({ error: 'must be a number' }).gt(1, 'must be more than 1').max(100, 'must be at most 100'),
      lostAfterDays: z.number({ error: 'must be a number' }).int('must be a whole number').min(30, 'must be at least 30').max(3650, 'must be at most 3650'),
    }),
    clv: z.object({
      horizonMonths: z.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(120, 'must be at most 120'),
      annualDiscountRate: z.number({ error: 'must be a number' }).min(0, 'must not be negative').max(1, 'must be at most 100%'),
      margin: z.number({ error: 'must be a number' }).gt(0, 'must be more than 0').max(1, 'must be at most 100%'),
    }),
    incentiveCostCents: z.number({ error: 'must be a number' }).int().min(0, 'must not be negative').max(100_000_00, 'is too large'),
  })
  .refine((s) => s.lapse.atRisk < s.lapse.lapsed && s.lapse.lapsed < s.lapse.lost, {
    message: 'thresholds must rise: at risk < lapsed < lost',
    path: ['lapse'],
  })

export function getAnalysisSettings(db: Db): AnalysisSettings {
  const stored = getSetting<unknown>(db, 'analysis')
  const parsed = analysisSettingsSchema.safeParse(stored)
  return parsed.success ? parsed.data : defaultAnalysisSettings
}

/** Check settings with their schema, store them and audit the change; a bad value changes nothing. */
function saveSetting<T>(db: Db, key: string, schema: z.ZodType<T>, input: unknown, actor: string): T {
  const parsed = schema.safeParse(input)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new AppError(`${issue.path.join('.')}: ${issue.message}`)
  }
  putSetting(db, key, parsed.data)
  addAuditEntry(db, { actor, action: `settings.${key}`, detail: parsed.data as unknown as Record<string, unknown> })
  return parsed.data
}

export function saveAnalysisSettings(db: Db, input: unknown, actor: string): AnalysisSettings {
  return saveSetting(db, 'analysis', analysisSettingsSchema, input, actor)
}

export interface Brand {
  /** The shop's name as customers know it: in survey texts ({company}) and mails. */
  name: string
}
const brandSchema = z.object({ name: z.string().trim().min(1, 'the shop name is required').max(100, 'the shop name is at most 100 characters') })
export const defaultBrand: Brand = { name: 'Comeback Demo Shop' }

export function getBrand(db: Db): Brand {
  const parsed = brandSchema.safeParse(getSetting<unknown>(db, 'brand'))
  return parsed.success ? parsed.data : defaultBrand
}

/** The incentive of the standing "personal links" campaign: out of the box a 10% coupon. */
export function getDefaultIncentive(db: Db): Incentive {
  const parsed = incentiveSchema.safeParse(getSetting<unknown>(db, 'default_incentive'))
  return parsed.success ? parsed.data : defaultIncentive
}

export interface MailSettings {
  /** Allow `existing_customer` consent as the basis for mail (UWG §7(3)); off until an admin turns it on. */
  existingCustomerBasis: boolean
  /** A scheduled campaign found this many minutes overdue (after downtime) waits for confirmation. */
  overdueMinutes: number
}
const mailSettingsSchema = z.object({ existingCustomerBasis: z.boolean(), overdueMinutes: z.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(10_080, 'must be at most 10080 (a week)') })
export const defaultMailSettings: MailSettings = { existingCustomerBasis: false, overdueMinutes: 60 }

export function getMailSettings(db: Db): MailSettings {
  const parsed = mailSettingsSchema.safeParse(getSetting<unknown>(db, 'mail'))
  return parsed.success ? parsed.data : defaultMailSettings
}

export function saveMailSettings(db: Db, input: unknown, actor: string): MailSettings {
  return saveSetting(db, 'mail', mailSettingsSchema, input, actor)
}

export function saveBrand(db: Db, input: unknown, actor: string): Brand {
  return saveSetting(db, 'brand', brandSchema, input, actor)
}
