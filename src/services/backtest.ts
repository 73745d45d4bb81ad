import { DAY_MS } from '../domain/time.ts'
import type { Db } from '../db/client.ts'
import { backtestHistories, type BacktestResult } from '../domain/backtest.ts'
import { AppError, note } from '../domain/errors.ts'
import { iterateHistories, latestOrderDate } from '../repos/analysis.ts'
import { resolveAsOf } from './analyze.ts'
import type { CustomerHistory } from '../domain/analysis.ts'
import { countCustomers } from '../repos/customers.ts'

/** A back-test runs on at most this many customers (every k-th): its table and chart are the same within a hair, in bounded memory. */
export const BACKTEST_CUSTOMERS = 50_000

/** Fit as of a past date, compare predicted with actual purchases after it. Stores nothing. */
export function backtest(db: Db, options: { calibrationEnd: string; holdoutEnd?: string }): BacktestResult {
  const calibrationEnd = resolveAsOf(options.calibrationEnd)
  const lastOrder = latestOrderDate(db)
  if (!lastOrder) throw new AppError('err.noOrdersToTest')
  const holdoutEnd = resolveAsOf(options.holdoutEnd ?? lastOrder)
  const calibrationDay = Date.parse(`${calibrationEnd}T00:00:00Z`) / DAY_MS
  const holdoutDay = Date.parse(`${holdoutEnd}T00:00:00Z`) / DAY_MS
  if (holdoutDay - calibrationDay < 7) {
    throw new AppError(note('err.testPeriodShort', { calibrationEnd, lastOrder }))
  }
  const every = Math.max(1, Math.ceil(countCustomers(db) / BACKTEST_CUSTOMERS))
  const histories: CustomerHistory[] = []
  let i = 0
  for (const h of iterateHistories(db, holdoutEnd)) if (i++ % every === 0) histories.push(h)
  return backtestHistories(histories, calibrationDay, holdoutDay)
}
