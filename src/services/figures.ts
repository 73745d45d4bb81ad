import type { Db } from '../db/client.ts'
import { dashboardRowsHint, type ResponseFilter } from '../repos/dashboard.ts'
import { overview } from './dashboard.ts'
import { reasonsReport } from './reasons-report.ts'
import { keptResult, type Cached } from './result-cache.ts'
import { campaignLift, liftKey, REACTIVATION_DAYS } from './winback.ts'
import { listCampaigns } from '../repos/campaigns.ts'
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

/** Whether a figure is computed off the server's thread over this shop from the first time on. */
function looksSlow(db: Db, r: FigureRequest): boolean {
  // Segment sizes grow with the customers; the dashboards with the answers and members.
  return (r.name === 'segmentSizes' ? customerRowsHint(db) : dashboardRowsHint(db)) >= BIG_SHOP_ROWS
}

/** A figure as kept (result-cache.ts); a slow one is computed by `offload` (the server's worker threads). */
export function keptFigure<R extends FigureRequest>(db: Db, r: R, offload: (r: R) => Promise<FigureValue<R>>): Promise<Cached<FigureValue<R>>> {
  return keptResult(db, keyOf(r), () => computeFigure(db, r), () => offload(r), () => looksSlow(db, r))
}

/**
 * The slow figures a manager opens first over a big shop, to compute ahead (when the server
 * starts and after each analysis): the unfiltered Overview, the Segments page's sizes, the
 * win-back of each started campaign (the Overview sums them; those sending or paused first) and
 * the unfiltered churn reasons.
 * Over a million customers each takes seconds the first time; computed ahead, the first view is
 * served from what is kept.
 */
export function figuresToComputeAhead(db: Db): FigureRequest[] {
  const campaigns = listCampaigns(db)
  const running = (c: (typeof campaigns)[number]) => c.status === 'sending' || c.status === 'paused'
  const started = campaigns.filter((c) => c.startedAt)
  const all: FigureRequest[] = [
    { name: 'overview', filter: {} },
    { name: 'segmentSizes' },
    ...[...started.filter(running), ...started.filter((c) => !running(c))].map((c): FigureRequest => ({ name: 'lift', campaignId: c.id, windowDays: REACTIVATION_DAYS })),
    { name: 'reasons', filter: {} },
  ]
  return all.filter((r) => looksSlow(db, r))
}
