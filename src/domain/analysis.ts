import { SummaryGroups, type PurchaseSummary } from './clv/bgnbd.ts'
import { fitModel, modelExpectedPurchases, modelKinds, modelPAlive, type ModelFit, type ModelKind } from './clv/models.ts'
import { defaultClvSettings, lifetimeValueIfAlive, type ClvSettings } from './clv/clv.ts'
import { expectedAverageValue, fitGammaGamma, type GammaGammaFit } from './clv/gamma-gamma.ts'
import { defaultLapseThresholds, earlyWarning, eventWarning, lapseStatus, lapseStatuses, typicalGap, type EarlyWarning, type LapseStatus, type LapseThresholds, type RecentSignals } from './lapse.ts'
import { median, quintileScorer } from './stats.ts'
import { DAY_MS } from './time.ts'
import { note, type Note } from './errors.ts'
import { backtestHistories, type BacktestResult } from './backtest.ts'

/**
 * From completed orders to per-customer facts (SPEC §4): history, lapse status, early warning,
 * RFM, BG/NBD, Gamma-Gamma, CLV and win-back priority. Pure: the service streams the orders in
 * and stores what comes out.
 */

/** The models' time unit; published CDNOW parameters are in weeks too. */
export const MODEL_TIME_UNIT = 'weeks'
const DAYS_PER_UNIT = 7

/** Which purchase model gives the customers' figures: the best in the shop's own back-test, or one an admin pinned. */
export type ModelChoice = 'auto' | ModelKind

export interface AnalysisSettings {
  lapse: LapseThresholds
  clv: ClvSettings
  model: ModelChoice
  /** What a win-back attempt costs per customer (incentive), in cents. */
  incentiveCostCents: number
}

export const defaultAnalysisSettings: AnalysisSettings = {
  lapse: defaultLapseThresholds,
  clv: defaultClvSettings,
  model: 'auto',
  incentiveCostCents: 500,
}

export interface OrderRow {
  customerId: number
  orderedAt: string
  totalCents: number
  items: string | null
}

export interface CustomerHistory {
  customerId: number
  orders: number
  /** Distinct purchase days (days since 1970-01-01, UTC), ascending; same-day orders merge. */
  purchaseDays: number[]
  /** Spend of each purchase day, in cents. */
  dayValues: number[]
  spendCents: number
  firstOrderAt: string
  lastOrderAt: string
  favouriteItems: string[]
}

export function dayNumber(iso: string): number {
  return Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10))) / DAY_MS
}

/** Builds histories from orders sorted by customer and time, one customer at a time. */
export class HistoryBuilder {
  private current: CustomerHistory | null = null
  private items = new Map<string, number>()
  readonly histories: CustomerHistory[] = []

  add(row: OrderRow): void {
    let h = this.current
    if (!h || h.customerId !== row.customerId) {
      this.flush()
      h = this.current = {
        customerId: row.customerId,
        orders: 0,
        purchaseDays: [],
        dayValues: [],
        spendCents: 0,
        firstOrderAt: row.orderedAt,
        lastOrderAt: row.orderedAt,
        favouriteItems: [],
      }
    }
    h.orders++
    h.spendCents += row.totalCents
    h.lastOrderAt = row.orderedAt
    const day = dayNumber(row.orderedAt)
    const last = h.purchaseDays.length - 1
    if (last >= 0 && h.purchaseDays[last] === day) h.dayValues[last]! += row.totalCents
    else {
      h.purchaseDays.push(day)
      h.dayValues.push(row.totalCents)
    }
    if (row.items) for (const item of row.items.split('|')) this.items.set(item, (this.items.get(item) ?? 0) + 1)
  }

  private flush(): void {
    if (!this.current) return
    this.current.favouriteItems = [...this.items.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 3)
      .map(([item]) => item)
    this.histories.push(this.current)
    this.items.clear()
    this.current = null
  }

  finish(): CustomerHistory[] {
    this.flush()
    return this.histories
  }
}

/** The calibration summary of a history as of a day: repeat purchase days, in the model's unit. */
export function purchaseSummary(h: CustomerHistory, asOfDay: number): PurchaseSummary & { zbar: number } {
  const first = h.purchaseDays[0]!
  const x = h.purchaseDays.length - 1
  let repeatSpend = 0
  for (let i = 1; i < h.dayValues.length; i++) repeatSpend += h.dayValues[i]!
  return {
    x,
    tx: (h.purchaseDays[x]! - first) / DAYS_PER_UNIT,
    T: (asOfDay - first) / DAYS_PER_UNIT,
    zbar: x > 0 ? repeatSpend / x / 100 : 0,
  }
}

export interface CustomerAnalysis {
  customerId: number
  orders: number
  purchaseDays: number
  firstOrderAt: string
  lastOrderAt: string
  spendCents: number
  averageOrderCents: number
  favouriteItems: string[]
  typicalGapDays: number
  gapBasis: 'own' | 'population'
  daysSinceLast: number
  lapseStatus: LapseStatus
  earlyWarning: EarlyWarning | null
  rScore: number
  fScore: number
  mScore: number
  pAlive: number | null
  expectedPurchases90: number | null
  expectedPurchases365: number | null
  expectedOrderCents: number | null
  clvCents: number | null
  valueIfWonCents: number | null
  priorityCents: number | null
}

/** A fitted model as the summary keeps it: its parameters flat, and how far to trust them. */
export type FittedModelSummary = Record<string, number | boolean | string> & {
  logLikelihood: number
  customers: number
  converged: boolean
  iterations: number
  /** The plain fit ran off; a small penalty kept it finite: unreliable. */
  penalised: boolean
  timeUnit: string
}

export interface ModelSummary {
  bgnbd: (FittedModelSummary & { r: number; alpha: number; a: number; b: number }) | null
  mbgnbd?: (FittedModelSummary & { r: number; alpha: number; a: number; b: number }) | null
  paretoNbd?: (FittedModelSummary & { r: number; alpha: number; s: number; beta: number }) | null
  gammaGamma: (GammaGammaFit['params'] & { logLikelihood: number; customers: number; converged: boolean }) | null
  /** The model whose P(alive), expected purchases and CLV the customers have; null: none could be trusted (the lapse status decides). */
  chosen?: ModelKind | null
  /** The setting, and how the choice was made. */
  choice?: ModelChoice
  chosenBy?: 'backtest' | 'likelihood' | 'pinned' | null
  /** The shop's own back-test of the three models, which the automatic choice follows. */
  backtest?: BacktestResult | null
  /** Why a model could not be fitted, for the manager (notes written before notes were keys are text). */
  notes: (Note | string)[]
}

export interface AnalysisSummary {
  asOf: string
  customers: number
  populationGapDays: number | null
  byStatus: Record<LapseStatus, { customers: number; valueIfWonCents: number; expectedValueCents: number }>
  earlyWarnings: number
  models: ModelSummary
  settings: AnalysisSettings
}

/** Fewer repeat buyers than this and a fit says more about noise than about customers. */
export const MIN_REPEAT_BUYERS = 10

export const modelNames: Record<ModelKind, string> = { bgnbd: 'BG/NBD', mbgnbd: 'MBG/NBD', paretoNbd: 'Pareto/NBD' }

/** The three purchase models and Gamma-Gamma, fitted to the customers' histories as of a day. */
export function fitModels(histories: readonly CustomerHistory[], asOfDay: number) {
  const notes: Note[] = []
  const summaries = histories.map((h) => purchaseSummary(h, asOfDay))
  const repeatBuyers = summaries.filter((s) => s.x > 0).length
  const fits: Record<ModelKind, ModelFit | null> = { bgnbd: null, mbgnbd: null, paretoNbd: null }
  let gammaGamma: GammaGammaFit | null = null
  if (repeatBuyers < MIN_REPEAT_BUYERS) {
    notes.push(note('note.fewRepeatBuyers', { repeat: repeatBuyers, min: MIN_REPEAT_BUYERS }))
  } else {
    const groups = new SummaryGroups(summaries.filter((s) => s.T > 0))
    for (const kind of modelKinds) {
      const fit = fitModel(kind, groups)
      fits[kind] = fit
      if (fit.penalised) notes.push(note('note.unreliableFit', { model: modelNames[kind] }))
      if (!fit.converged) notes.push(note('note.notConverged', { model: modelNames[kind] }))
    }
    const spend = summaries.filter((s) => s.x > 0 && s.zbar > 0)
    if (spend.length >= MIN_REPEAT_BUYERS) {
      gammaGamma = fitGammaGamma(spend)
      if (gammaGamma.params.q <= 1) {
        notes.push(note('note.ggNoMean'))
      }
    } else {
      notes.push(note('note.ggTooFew'))
    }
  }
  return { summaries, fits, gammaGamma, notes }
}

/** The automatic back-test compares the models on at most this many customers (every k-th): enough to tell them apart, at a fraction of the fits. */
export const BACKTEST_SAMPLE = 20_000

/**
 * The holdout of the automatic back-test: the last third of the shop's history, between 8 and 52
 * weeks; none when the history is too short to keep 8 weeks on each side.
 */
function automaticBacktest(allHistories: readonly CustomerHistory[], asOfDay: number): BacktestResult | null {
  const every = Math.ceil(allHistories.length / BACKTEST_SAMPLE)
  const histories = every > 1 ? allHistories.filter((_, i) => i % every === 0) : allHistories
  let first = asOfDay
  for (const h of histories) if (h.purchaseDays[0]! < first) first = h.purchaseDays[0]!
  const span = asOfDay - first
  const holdout = Math.min(364, Math.max(56, Math.round(span / 3)))
  if (span - holdout < 56) return null
  const result = backtestHistories(histories, asOfDay - holdout, asOfDay)
  return modelKinds.some((k) => result.fits[k]) ? result : null
}

/**
 * Which model gives the customers' figures: a pinned one; otherwise, among the fits that can be
 * trusted, the one with the smallest error in the shop's own back-test, or (history too short to
 * test) the highest likelihood, the three having as many parameters. None when no fit can be trusted.
 */
function chooseModel(histories: readonly CustomerHistory[], asOfDay: number, fits: Record<ModelKind, ModelFit | null>, choice: ModelChoice, notes: Note[]) {
  if (choice !== 'auto') {
    const fit = fits[choice]
    if (fit?.penalised) notes.push(note('note.pinnedUnreliable', { model: modelNames[choice] }))
    return { chosen: fit && !fit.penalised ? choice : null, chosenBy: 'pinned' as const, backtest: null }
  }
  const reliable = modelKinds.filter((k) => fits[k] && !fits[k].penalised)
  if (reliable.length === 0) {
    if (modelKinds.some((k) => fits[k])) notes.push(note('note.noReliableModel'))
    return { chosen: null, chosenBy: null, backtest: null }
  }
  const backtest = automaticBacktest(histories, asOfDay)
  const tested = backtest ? reliable.filter((k) => backtest.fits[k] && !backtest.fits[k].penalised) : []
  if (backtest && tested.length) {
    const chosen = tested.reduce((best, k) => (backtest.meanAbsoluteError[k]! < backtest.meanAbsoluteError[best]! ? k : best))
    return { chosen, chosenBy: 'backtest' as const, backtest }
  }
  const chosen = reliable.reduce((best, k) => (fits[k]!.logLikelihood > fits[best]!.logLikelihood ? k : best))
  return { chosen, chosenBy: 'likelihood' as const, backtest }
}

const fitSummary = (fit: ModelFit | null) =>
  fit && { ...fit.params, logLikelihood: fit.logLikelihood, customers: fit.customers, converged: fit.converged, iterations: fit.iterations, penalised: fit.penalised, timeUnit: MODEL_TIME_UNIT }

export function analyseHistories(
  histories: readonly CustomerHistory[],
  asOfDay: number,
  settings: AnalysisSettings = defaultAnalysisSettings,
  signals: ReadonlyMap<number, RecentSignals> = new Map(),
): { customers: CustomerAnalysis[]; summary: AnalysisSummary } {
  const { summaries, fits, gammaGamma, notes } = fitModels(histories, asOfDay)
  const { chosen, chosenBy, backtest } = chooseModel(histories, asOfDay, fits, settings.model, notes)
  const model = chosen ? fits[chosen] : null
  const ownGaps = histories.map((h) => typicalGap(h.purchaseDays))
  const populationGap = median(ownGaps.filter((g): g is number => g !== null))
  const recency = quintileScorer(histories.map((h) => asOfDay - h.purchaseDays.at(-1)!), false)
  const frequency = quintileScorer(histories.map((h) => h.orders))
  const monetary = quintileScorer(histories.map((h) => h.spendCents))

  const byStatus = Object.fromEntries(lapseStatuses.map((s) => [s, { customers: 0, valueIfWonCents: 0, expectedValueCents: 0 }])) as AnalysisSummary['byStatus']
  // What the model says depends on (x, t_x, T) alone, and many customers share them: computed once each.
  // The value if won back is linear in the order value, so it is kept per unit of it.
  const forecasts = new Map<string, { alive: number; e90: number; e365: number; valuePerOrderValue: number }>()
  const forecast = (s: PurchaseSummary) => {
    const key = `${s.x}|${s.tx}|${s.T}`
    let f = forecasts.get(key)
    if (!f) {
      f = {
        alive: modelPAlive(model!, s),
        e90: modelExpectedPurchases(model!, s, 90 / DAYS_PER_UNIT),
        e365: modelExpectedPurchases(model!, s, 365 / DAYS_PER_UNIT),
        valuePerOrderValue: lifetimeValueIfAlive(model!, s, 1, settings.clv),
      }
      forecasts.set(key, f)
    }
    return f
  }
  let earlyWarnings = 0
  const customers = histories.map((h, i): CustomerAnalysis => {
    const s = summaries[i]!
    const own = ownGaps[i]!
    const gapBasis = own !== null ? 'own' : 'population'
    // Without any repeat buyer at all there is no rhythm to measure against: use a month.
    const gap = own ?? populationGap ?? 30
    const daysSinceLast = asOfDay - h.purchaseDays.at(-1)!
    const status = lapseStatus(daysSinceLast, gap, settings.lapse)
    // While a customer still counts as active: what the events say first (a complaint, late payments), then the buying pattern.
    const warning = status === 'active' ? (eventWarning(signals.get(h.customerId)) ?? earlyWarning(h.purchaseDays, h.dayValues)) : null
    if (warning) earlyWarnings++

    let alive: number | null = null
    let e90: number | null = null
    let e365: number | null = null
    let orderValue: number | null = null
    let clv: number | null = null
    let ifWon: number | null = null
    let priority: number | null = null
    if (model) {
      const m = forecast(s)
      alive = m.alive
      e90 = m.e90
      e365 = m.e365
      const ownMean = h.spendCents / h.orders / 100
      orderValue = gammaGamma && gammaGamma.params.q > 1 ? expectedAverageValue(gammaGamma.params, s.x, s.zbar) : ownMean
      ifWon = m.valuePerOrderValue * orderValue * 100
      clv = alive * ifWon
      priority = clv - settings.incentiveCostCents
    }
    const bucket = byStatus[status]
    bucket.customers++
    bucket.valueIfWonCents += ifWon ?? 0
    bucket.expectedValueCents += clv ?? 0
    return {
      customerId: h.customerId,
      orders: h.orders,
      purchaseDays: h.purchaseDays.length,
      firstOrderAt: h.firstOrderAt,
      lastOrderAt: h.lastOrderAt,
      spendCents: h.spendCents,
      averageOrderCents: Math.round(h.spendCents / h.orders),
      favouriteItems: h.favouriteItems,
      typicalGapDays: gap,
      gapBasis,
      daysSinceLast,
      lapseStatus: status,
      earlyWarning: warning,
      rScore: recency(daysSinceLast),
      fScore: frequency(h.orders),
      mScore: monetary(h.spendCents),
      pAlive: alive,
      expectedPurchases90: e90,
      expectedPurchases365: e365,
      expectedOrderCents: orderValue === null ? null : Math.round(orderValue * 100),
      clvCents: clv === null ? null : Math.round(clv),
      valueIfWonCents: ifWon === null ? null : Math.round(ifWon),
      priorityCents: priority === null ? null : Math.round(priority),
    }
  })
  for (const b of Object.values(byStatus)) {
    b.valueIfWonCents = Math.round(b.valueIfWonCents)
    b.expectedValueCents = Math.round(b.expectedValueCents)
  }
  return {
    customers,
    summary: {
      asOf: new Date(asOfDay * DAY_MS).toISOString().slice(0, 10),
      customers: histories.length,
      populationGapDays: populationGap,
      byStatus,
      earlyWarnings,
      models: {
        bgnbd: fitSummary(fits.bgnbd) as ModelSummary['bgnbd'],
        mbgnbd: fitSummary(fits.mbgnbd) as ModelSummary['bgnbd'],
        paretoNbd: fitSummary(fits.paretoNbd) as ModelSummary['paretoNbd'],
        chosen,
        choice: settings.model,
        chosenBy,
        backtest,
        gammaGamma: gammaGamma && { ...gammaGamma.params, logLikelihood: gammaGamma.logLikelihood, customers: gammaGamma.customers, converged: gammaGamma.converged },
        notes,
      },
      settings,
    },
  }
}
