import type { Note } from './errors.ts'
import { DAY_MS } from './time.ts'
import { fitModels, type CustomerHistory } from './analysis.ts'
import { expectedPurchases } from './clv/bgnbd.ts'

/**
 * The calibration/holdout check of the BG/NBD paper: fit on the purchases up to a past date,
 * predict each customer's purchases in the period after it, and compare with what they did.
 */

export interface BacktestRow {
  /** Repeat purchases in the calibration period: "0" … "6", "7+". */
  group: string
  customers: number
  actual: number
  predicted: number
}

export interface BacktestResult {
  calibrationEnd: string
  holdoutEnd: string
  holdoutDays: number
  customers: number
  rows: BacktestRow[]
  totalActual: number
  totalPredicted: number
  /** Mean absolute error per customer, against that of "they will buy as often as before". */
  meanAbsoluteError: number
  naiveMeanAbsoluteError: number
  params: { r: number; alpha: number; a: number; b: number } | null
  notes: Note[]
}

const GROUPS = 7

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
  const { summaries, bgnbd, notes } = fitModels(calibration, calibrationEndDay)
  const rows: BacktestRow[] = Array.from({ length: GROUPS + 1 }, (_, i) => ({ group: i < GROUPS ? String(i) : `${GROUPS}+`, customers: 0, actual: 0, predicted: 0 }))
  let totalActual = 0
  let totalPredicted = 0
  let absError = 0
  let naiveError = 0
  summaries.forEach((s, i) => {
    const row = rows[Math.min(s.x, GROUPS)]!
    const predicted = bgnbd ? expectedPurchases(bgnbd.params, s, holdoutDays / 7) : 0
    // The naive forecast: the customer's repeat rate so far, carried forward.
    const naive = s.T > 0 ? (s.x / s.T) * (holdoutDays / 7) : 0
    row.customers++
    row.actual += actual[i]!
    row.predicted += predicted
    totalActual += actual[i]!
    totalPredicted += predicted
    absError += Math.abs(predicted - actual[i]!)
    naiveError += Math.abs(naive - actual[i]!)
  })
  const n = Math.max(1, summaries.length)
  return {
    calibrationEnd: isoDay(calibrationEndDay),
    holdoutEnd: isoDay(holdoutEndDay),
    holdoutDays,
    customers: summaries.length,
    rows: rows
      .filter((r) => r.customers > 0)
      .map((r) => ({ ...r, actual: r.actual / r.customers, predicted: r.predicted / r.customers })),
    totalActual,
    totalPredicted,
    meanAbsoluteError: absError / n,
    naiveMeanAbsoluteError: naiveError / n,
    params: bgnbd?.params ?? null,
    notes,
  }
}

const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10)
