import { churnReasons } from '../domain/survey.ts'
import { z } from 'zod'
import { writeTransaction, type Db } from '../db/client.ts'
import { defaultAnalysisSettings, type AnalysisSettings } from '../domain/analysis.ts'
import { AppError, invalidInput } from '../domain/errors.ts'
import { defaultIncentive, incentiveSchema, type Incentive } from '../domain/rewards.ts'
import { modelKinds } from '../domain/clv/models.ts'
import { addAuditEntry } from '../repos/audit.ts'
import { getRawSetting, putSetting } from '../repos/settings.ts'

/** The analysis settings admins edit (SPEC §4): lapse thresholds, CLV horizon, discount, margin, incentive cost. */
export const analysisSettingsSchema = z
  .object({
    lapse: z.object({
      atRisk: z.number().gt(1).max(20),
      lapsed: z.number().gt(1).max(50),
      lost: z.number().gt(1).max(100),
      lostAfterDays: z.number().int().min(30).max(3650),
    }),
    clv: z.object({
      horizonMonths: z.number().int().min(1).max(120),
      annualDiscountRate: z.number().min(0, 'v.notNegative').max(1, 'v.maxPercent'),
      margin: z.number().gt(0).max(1, 'v.maxPercent'),
    }),
    /** The purchase model for P(alive) and CLV: the back-test's best ('auto'), or one pinned. */
    model: z.enum(['auto', ...modelKinds]).default('auto'),
    incentiveCostCents: z.number().int().min(0, 'v.notNegative').max(100_000_00, 'v.tooLarge'),
  })
  .refine((s) => s.lapse.atRisk < s.lapse.lapsed && s.lapse.lapsed < s.lapse.lost, {
    message: 'v.thresholdsRise',
    path: ['lapse'],
  })

/** The last stored text of each setting and what it parsed to: pages read settings often, and they change only on save. */
const parsedSettings = new Map<string, { raw: string; value: unknown }>()

/**
 * A setting, checked by its schema (the default when unset or invalid). The stored text is read
 * every time, so a change by another process counts at once; it is parsed again only when it changed.
 */
function readSetting<T>(db: Db, key: string, schema: z.ZodType<T>, fallback: T): T {
  const raw = getRawSetting(db, key)
  if (raw === undefined) return fallback
  const hit = parsedSettings.get(key)
  if (hit?.raw === raw) return hit.value as T
  const parsed = schema.safeParse(JSON.parse(raw))
  const value = Object.freeze(parsed.success ? parsed.data : fallback)
  parsedSettings.set(key, { raw, value })
  return value
}

export function getAnalysisSettings(db: Db): AnalysisSettings {
  return readSetting(db, 'analysis', analysisSettingsSchema, defaultAnalysisSettings)
}

/** Check settings with their schema, store them and audit the change; a bad value changes nothing. */
function saveSetting<T>(db: Db, key: string, schema: z.ZodType<T>, input: unknown, actor: string): T {
  const parsed = schema.safeParse(input)
  if (!parsed.success) {
    throw invalidInput(parsed.error, key)
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
const brandSchema = z.object({ name: z.string().trim().min(1).max(100) })
export const defaultBrand: Brand = { name: 'Comeback Demo Shop' }

export function getBrand(db: Db): Brand {
  return readSetting(db, 'brand', brandSchema, defaultBrand)
}

/** The incentive of the standing "personal links" campaign: out of the box a 10% coupon. */
export function getDefaultIncentive(db: Db): Incentive {
  return readSetting(db, 'default_incentive', incentiveSchema, defaultIncentive)
}

export interface MailSettings {
  /** Allow `existing_customer` consent as the basis for mail (UWG §7(3)); off until an admin turns it on. */
  existingCustomerBasis: boolean
  /** A scheduled campaign found this many minutes overdue (after downtime) waits for confirmation. */
  overdueMinutes: number
}
const mailSettingsSchema = z.object({ existingCustomerBasis: z.boolean(), overdueMinutes: z.number().int().min(1).max(10_080, 'v.overdueMax') })
export const defaultMailSettings: MailSettings = { existingCustomerBasis: false, overdueMinutes: 60 }

export function getMailSettings(db: Db): MailSettings {
  return readSetting(db, 'mail', mailSettingsSchema, defaultMailSettings)
}

export function saveMailSettings(db: Db, input: unknown, actor: string): MailSettings {
  return saveSetting(db, 'mail', mailSettingsSchema, input, actor)
}

export function saveBrand(db: Db, input: unknown, actor: string): Brand {
  return saveSetting(db, 'brand', brandSchema, input, actor)
}

/** The Settings page's mail form: the shop's name and the mail settings, both or neither. */
export function saveMailAndBrand(db: Db, brand: unknown, mail: unknown, actor: string): void {
  writeTransaction(db, () => {
    saveBrand(db, brand, actor)
    saveMailSettings(db, mail, actor)
  })
}

/**
 * The follow-up offer per churn reason as a manager wrote it; a reason without one shows the
 * default offer of SPEC §9 from the catalogue, in the reader's language.
 */
export type Offers = Partial<Record<(typeof churnReasons)[number]['value'], string>>
const offersSchema = z.partialRecord(z.enum(churnReasons.map((r) => r.value) as [string, ...string[]]), z.string().trim().max(300)) as z.ZodType<Offers>

export function getOffers(db: Db): Offers {
  return readSetting(db, 'offers', offersSchema, {})
}

/** Empty texts fall back to the default offer. */
export function saveOffers(db: Db, input: Record<string, string>, actor: string): Offers {
  const cleaned = Object.fromEntries(Object.entries(input).filter(([, v]) => v.trim() !== ''))
  return saveSetting(db, 'offers', offersSchema, cleaned, actor)
}
