import type { Note } from './errors.ts'
import { DAY_MS } from './time.ts'
import { fitModels, type CustomerHistory } from './analysis.ts'
import { modelExpectedPurchases, modelKinds, type ModelKind } from './clv/models.ts'

/**
 * The calibration/holdout check of the BG/NBD paper, for the three models at once: fit on the
 * purchases up to a past date, predict each customer's purchases in the period after it, and
 * compare with what they did. The analysis runs one over the last third of the history to choose
 * the model; managers run others from the Analysis page.
 */

export interface BacktestRow {
  /** Repeat purchases in the calibration period: "0" … "6", "7+". */
  group: string
  customers: number
  /** Mean purchases per customer in the holdout period: what they did, and what each model said. */
  actual: number
  predicted: Record<ModelKind, number>
}

export interface BacktestResult {
  calibrationEnd: string
  holdoutEnd: string
  holdoutDays: number
  customers: number
  rows: BacktestRow[]
  totalActual: number
  totalPredicted: Record<ModelKind, number>
  /** Mean absolute error per customer of each model, against that of "they will buy as often as before". */
  meanAbsoluteError: Record<ModelKind, number>
  naiveMeanAbsoluteError: number
  /** Each model's calibration fit; null where there was too little to fit. */
  fits: Record<ModelKind, { params: Record<string, number>; penalised: boolean } | null>
  notes: Note[]
}

const GROUPS = 7
const perModel = <T>(f: (k: ModelKind) => T) => Object.fromEntries(modelKinds.map((k) => [k, f(k)])) as Record<ModelKind, T>

export function backtestHistories(histories: readonly CustomerHistory[], calibrationEndDay: number, holdoutEndDay: number): BacktestResult {
  const calibration: CustomerHistory[] = []
  const actual: number[] = []
  for (const h of histories) {
    let n = 0
    while (n < h.purchaseDays.length && h.purchaseDays[n]! <= calibrationEndDay) n++
    if (n === 0) continue
    let later = 0
    for (let i = n; i < h.purchaseDays.length; i++) if (h.purchaseDays[i]! <= holdoutEndDay) later++
    calibration.push({ ...h, purchaseDays: h.purchaseDays.slice(0, n), dayValues: h.dayValues.slice(0, n) })
    actual.push(later)
  }
  const holdoutDays = holdoutEndDay - calibrationEndDay
  const { summaries, fits, notes } = fitModels(calibration, calibrationEndDay)
  const rows: BacktestRow[] = Array.from({ length: GROUPS + 1 }, (_, i) => ({ group: i < GROUPS ? String(i) : `${GROUPS}+`, customers: 0, actual: 0, predicted: perModel(() => 0) }))
  let totalActual = 0
  const totalPredicted = perModel(() => 0)
  const absError = perModel(() => 0)
  let naiveError = 0
  summaries.forEach((s, i) => {
    const row = rows[Math.min(s.x, GROUPS)]!
    // The naive forecast: the customer's repeat rate so far, carried forward.
    const naive = s.T > 0 ? (s.x / s.T) * (holdoutDays / 7) : 0
    row.customers++
    row.actual += actual[i]!
    totalActual += actual[i]!
    naiveError += Math.abs(naive - actual[i]!)
    for (const k of modelKinds) {
      const fit = fits[k]
      const predicted = fit ? modelExpectedPurchases(fit, s, holdoutDays / 7) : 0
      row.predicted[k] += predicted
      totalPredicted[k] += predicted
      absError[k] += Math.abs(predicted - actual[i]!)
    }
  })
  const n = Math.max(1, summaries.length)
  return {
    calibrationEnd: isoDay(calibrationEndDay),
    holdoutEnd: isoDay(holdoutEndDay),
    holdoutDays,
    customers: summaries.length,
    rows: rows
      .filter((r) => r.customers > 0)
      .map((r) => ({ ...r, actual: r.actual / r.customers, predicted: perModel((k) => r.predicted[k] / r.customers) })),
    totalActual,
    totalPredicted,
    meanAbsoluteError: perModel((k) => absError[k] / n),
    naiveMeanAbsoluteError: naiveError / n,
    fits: perModel((k) => fits[k] && { params: fits[k].params, penalised: fits[k].penalised }),
    notes,
  }
}

const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10)
