import type { Db } from '../db/client.ts'
import { dashboardRowsHint, type ResponseFilter } from '../repos/dashboard.ts'
import { overview } from './dashboard.ts'
import { reasonsReport } from './reasons-report.ts'
import { keptResult, type Cached } from './result-cache.ts'
import { campaignLift, liftKey } from './winback.ts'
import { segmentSizes } from './segments.ts'
import { customerRowsHint } from '../repos/customers.ts'

/** The dashboards' figures that grow with the shop: what to compute, serialisable so that a worker thread can compute it. */
export type FigureRequest = { name: 'overview'; filter: ResponseFilter } | { name: 'reasons'; filter: ResponseFilter } | { name: 'lift'; campaignId: number; windowDays: number } | { name: 'segmentSizes' }

export interface FigureValues {
  overview: ReturnType<typeof overview>
  reasons: ReturnType<typeof reasonsReport>
  lift: ReturnType<typeof campaignLift>
  segmentSizes: ReturnType<typeof segmentSizes>
}
export type FigureValue<R extends FigureRequest> = FigureValues[R['name']]

/** With about this many answers and members together, a figure is computed off the server's thread from the first time on. */
const BIG_SHOP_ROWS = 100_000

export function computeFigure<R extends FigureRequest>(db: Db, r: R): FigureValue<R> {
  switch (r.name) {
    case 'overview':
      return overview(db, r.filter) as FigureValue<R>
    case 'reasons':
      return reasonsReport(db, r.filter) as FigureValue<R>
    case 'lift':
      return campaignLift(db, r.campaignId, r.windowDays) as FigureValue<R>
    case 'segmentSizes':
      return segmentSizes(db) as FigureValue<R>
  }
}

const keyOf = (r: FigureRequest) => (r.name === 'lift' ? liftKey(r.campaignId, r.windowDays) : r.name === 'segmentSizes' ? `segment-sizes:${new Date().toISOString().slice(0, 10)}` : `${r.name}:${JSON.stringify(r.filter)}`)

/** A figure as kept (result-cache.ts); a slow one is computed by `offload` (the server's worker threads). */
export function keptFigure<R extends FigureRequest>(db: Db, r: R, offload: (r: R) => Promise<FigureValue<R>>): Promise<Cached<FigureValue<R>>> {
  // Segment sizes grow with the customers; the dashboards with the answers and members.
  const rows = () => (r.name === 'segmentSizes' ? customerRowsHint(db) : dashboardRowsHint(db))
  return keptResult(db, keyOf(r), () => computeFigure(db, r), () => offload(r), () => rows() >= BIG_SHOP_ROWS)
}
