import { DAY_MS } from '../../src/domain/time.ts'
import { describe, expect, it } from 'vitest'
import type { CustomerHistory } from '../../src/domain/analysis.ts'
import { backtestHistories } from '../../src/domain/backtest.ts'
import { generateDemoShop } from '../../src/domain/demo-shop.ts'
import { modelKinds } from '../../src/domain/clv/models.ts'

describe('back-test', () => {
  it('predicts the orders after the fit date about as many as customers placed', () => {
    const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY_MS
    const histories: CustomerHistory[] = []
    let id = 0
    for (const { orders } of generateDemoShop({ customers: 3000, seed: 21, asOf: new Date('2026-06-30') })) {
      id++
      const completed = orders.filter((o) => o.status === 'completed').sort((a, b) => a.orderedAt.localeCompare(b.orderedAt))
      if (completed.length === 0) continue
      const days = [...new Set(completed.map((o) => Math.floor(day(o.orderedAt.slice(0, 10)))))]
      const h = { customerId: id, orders: completed.length, purchaseDays: days, dayValues: days.map(() => 0), spendCents: 0, firstOrderAt: completed[0]!.orderedAt, lastOrderAt: completed.at(-1)!.orderedAt, favouriteItems: [] }
      for (const o of completed) {
        h.dayValues[days.indexOf(Math.floor(day(o.orderedAt.slice(0, 10))))]! += o.totalCents
        h.spendCents += o.totalCents
      }
      histories.push(h)
    }
    const result = backtestHistories(histories, day('2025-12-31'), day('2026-06-30'))
    expect(result.holdoutDays).toBe(181)
    for (const k of modelKinds) expect(result.fits[k]).not.toBeNull()
    // Customers who first bought after the fit date are not part of the test.
    expect(result.customers).toBeLessThan(histories.length)
    expect(result.rows.reduce((s, r) => s + r.customers, 0)).toBe(result.customers)
    expect(result.totalActual).toBeGreaterThan(1000)
    for (const k of modelKinds) {
      expect(Math.abs(result.totalPredicted[k] / result.totalActual - 1)).toBeLessThan(0.15)
      // Better than assuming everyone keeps buying as before.
      expect(result.meanAbsoluteError[k]).toBeLessThan(result.naiveMeanAbsoluteError)
    }
  })
})
