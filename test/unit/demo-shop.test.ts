import { describe, expect, it } from 'vitest'
import { generateDemoShop } from '../../src/domain/demo-shop.ts'

const asOf = new Date('2026-06-30T00:00:00Z')
const shop = (seed: number, customers = 300) => [...generateDemoShop({ customers, seed, asOf })]

describe('demo shop', () => {
  it('is the same for the same seed and date', () => {
    expect(JSON.stringify(shop(7))).toBe(JSON.stringify(shop(7)))
  })

  it('differs for another seed', () => {
    expect(JSON.stringify(shop(7))).not.toBe(JSON.stringify(shop(8)))
  })

  it('looks like a real shop: several customer kinds, both languages, mixed consent, lapsed customers, no future orders', () => {
    const customers = shop(1, 2000)
    const orders = customers.flatMap((c) => c.orders)
    expect(orders.length / customers.length).toBeGreaterThan(8)
    expect(orders.every((o) => Date.parse(o.orderedAt) <= asOf.getTime() + 86_400_000)).toBe(true)
    const oneTime = customers.filter((c) => c.orders.length === 1).length / customers.length
    expect(oneTime).toBeGreaterThan(0.2)
    expect(oneTime).toBeLessThan(0.45)
    const locales = new Set(customers.map((c) => c.customer.locale))
    expect(locales).toEqual(new Set(['de', 'en']))
    const consents = new Set(customers.map((c) => c.customer.emailConsent))
    expect(consents).toEqual(new Set(['granted', 'existing_customer', 'unknown', 'objected']))
    // A share whose last order is more than a year old: the lapsed customers Comeback is for.
    const lastOrderAges = customers.map((c) => asOf.getTime() - Date.parse(c.orders.at(-1)!.orderedAt))
    const gone = lastOrderAges.filter((age) => age > 365 * 86_400_000).length / customers.length
    expect(gone).toBeGreaterThan(0.1)
    // Christmas: more orders in November and December than in July and August.
    const month = (m: number) => orders.filter((o) => new Date(o.orderedAt).getUTCMonth() === m).length
    expect(month(10) + month(11)).toBeGreaterThan(month(6) + month(7))
  })
})
