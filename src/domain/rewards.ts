import { customAlphabet } from 'nanoid'
import { z } from 'zod'

/** Incentives (SPEC §7): coupons and loyalty points, their codes and tiers. */

export const incentiveSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('coupon'),
      percent: z.number().int().min(1).max(100).optional(),
      amountCents: z.number().int().min(1).max(100_000_00).optional(),
      currency: z.string().regex(/^[A-Z]{3}$/).default('EUR'),
      minOrderCents: z.number().int().min(0).default(0),
      validDays: z.number().int().min(1).max(3650).default(30),
      prefix: z.string().regex(/^[A-Z0-9]{0,8}$/, 'a prefix is up to 8 letters and digits').default('CB'),
    })
    .refine((c) => (c.percent === undefined) !== (c.amountCents === undefined), 'a coupon is either a percentage or an amount'),
  z.object({ kind: z.literal('points'), points: z.number().int().min(1).max(1_000_000) }),
])
export type Incentive = z.infer<typeof incentiveSchema>

/** Out of the box a response earns a 10% coupon, valid for 30 days. */
export const defaultIncentive: Incentive = { kind: 'coupon', percent: 10, currency: 'EUR', minOrderCents: 0, validDays: 30, prefix: 'CB' }

/** Easy to read and type: no 0/O, 1/I/L. */
export const COUPON_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'
const eight = customAlphabet(COUPON_ALPHABET, 8)

/** `CB-7KXM-P4QZ`: 31^8 ≈ 8.5 × 10^11 codes per prefix; uniqueness is the database's job. */
export function newCouponCode(prefix: string, random: () => string = eight): string {
  const body = random()
  return `${prefix ? `${prefix}-` : ''}${body.slice(0, 4)}-${body.slice(4, 8)}`
}

/** A typed code, as customers write it: any case, with or without dashes and spaces. */
export function normalizeCouponCode(input: string): string {
  return input.trim().toUpperCase().replace(/\s+/g, '')
}

export const tiers = [
  { name: 'Bronze', points: 0 },
  { name: 'Silver', points: 500 },
  { name: 'Gold', points: 1500 },
  { name: 'VIP', points: 5000 },
] as const

export function tierOf(balance: number): { tier: string; next: { tier: string; missing: number } | null } {
  let current: (typeof tiers)[number] = tiers[0]
  for (const tier of tiers) if (balance >= tier.points) current = tier
  const next = tiers.find((tier) => tier.points > balance)
  return { tier: current.name, next: next ? { tier: next.name, missing: next.points - balance } : null }
}

/** What a coupon takes off an order of this total (cents). */
export function couponDiscountCents(coupon: { kind: 'percent' | 'amount'; value: number }, orderTotalCents: number): number {
  return coupon.kind === 'percent' ? Math.round((orderTotalCents * coupon.value) / 100) : Math.min(coupon.value, orderTotalCents)
}
