import { DAY_MS } from '../domain/time.ts'
import type { Db } from '../db/client.ts'
import { backtestHistories, type BacktestResult } from '../domain/backtest.ts'
import { AppError, note } from '../domain/errors.ts'
import { latestOrderDate } from '../repos/analysis.ts'
import { loadHistories, resolveAsOf } from './analyze.ts'

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
  return backtestHistories(loadHistories(db, holdoutEnd), calibrationDay, holdoutDay)
}
