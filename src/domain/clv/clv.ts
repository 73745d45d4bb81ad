import type { PurchaseSummary } from './bgnbd.ts'
import { modelExpectedIfAlive, type ModelFit } from './models.ts'

/** How CLV is valued: a horizon, a yearly discount rate and the margin on revenue. */
export interface ClvSettings {
  horizonMonths: number
  annualDiscountRate: number
  margin: number
}

export const defaultClvSettings: ClvSettings = { horizonMonths: 12, annualDiscountRate: 0.1, margin: 0.3 }

/** Weeks per month, as the model's time unit is the week. */
export const WEEKS_PER_MONTH = 365.25 / 12 / 7

/**
 * Discounted expected margin over the horizon for a customer who is still alive: the expected
 * purchases of each month, times the expected order value and the margin, discounted monthly.
 * Multiply by P(alive) for the expected CLV.
 */
export function lifetimeValueIfAlive(
  model: Pick<ModelFit, 'kind' | 'params'>,
  customer: PurchaseSummary,
  expectedOrderValue: number,
  settings: ClvSettings,
): number {
  const monthlyDiscount = Math.pow(1 + settings.annualDiscountRate, 1 / 12) - 1
  let value = 0
  let previous = 0
  for (let month = 1; month <= settings.horizonMonths; month++) {
    const cumulative = modelExpectedIfAlive(model, customer, month * WEEKS_PER_MONTH)
    value += ((cumulative - previous) * expectedOrderValue * settings.margin) / Math.pow(1 + monthlyDiscount, month)
    previous = cumulative
  }
  return value
}
