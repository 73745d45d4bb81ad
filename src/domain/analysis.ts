import { SummaryGroups, type PurchaseSummary } from './clv/bgnbd.ts'
import { fitModel, modelExpectedIfAlive, modelKinds, modelPAlive, type ModelFit, type ModelKind } from './clv/models.ts'
import { defaultClvSettings, lifetimeValueIfAlive, type ClvSettings } from './clv/clv.ts'
import { expectedAverageValue, fitGammaGamma, SpendData, type GammaGammaFit } from './clv/gamma-gamma.ts'
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

const itemCounts = new Map<string, number>()

/** The (up to) three items a customer bought most often, ties by code point, from their orders' items joined by "|". */
export function favouriteItems(joined: string | null | undefined): string[] {
  if (!joined) return []
  itemCounts.clear()
  for (let from = 0; from < joined.length; ) {
    let end = joined.indexOf('|', from)
    if (end < 0) end = joined.length
    if (end > from) {
      const item = joined.slice(from, end)
      itemCounts.set(item, (itemCounts.get(item) ?? 0) + 1)
    }
    from = end + 1
  }
  // The top three in one pass: sorting every item (and a locale's collation) cost more than the rest of a customer's analysis.
  const top: [string, number][] = []
  for (const entry of itemCounts) {
    let at = top.length
    while (at > 0 && (entry[1] > top[at - 1]![1] || (entry[1] === top[at - 1]![1] && entry[0] < top[at - 1]![0]))) at--
    if (at < 3) {
      top.splice(at, 0, entry)
      if (top.length > 3) top.pop()
    }
  }
  return top.map(([item]) => item)
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
  /** Up to three items, joined by "|" as stored; null when no order named any. */
  favouriteItems: string | null
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

/** Starts fitting a model; the function returned gives the fit (another thread may compute it meanwhile). */
export type StartFit = (kind: ModelKind, groups: SummaryGroups) => () => ModelFit
const fitHere: StartFit = (kind, groups) => () => fitModel(kind, groups)

/**
 * The three purchase models and Gamma-Gamma, fitted to customers' calibration summaries (`groups`:
 * those with T > 0) and repeat spend. `meanwhile` runs after every fit has started and before the
 * first is awaited: work for this thread while others fit.
 */
function fitModelsTo(groups: SummaryGroups, spend: SpendData, repeatBuyers: number, startFit: StartFit = fitHere, meanwhile?: () => void) {
  const notes: Note[] = []
  const fits: Record<ModelKind, ModelFit | null> = { bgnbd: null, mbgnbd: null, paretoNbd: null }
  let gammaGamma: GammaGammaFit | null = null
  if (repeatBuyers < MIN_REPEAT_BUYERS) {
    notes.push(note('note.fewRepeatBuyers', { repeat: repeatBuyers, min: MIN_REPEAT_BUYERS }))
    return { fits, gammaGamma, notes }
  }
  const pending = modelKinds.map((kind) => [kind, startFit(kind, groups)] as const)
  meanwhile?.()
  if (spend.size >= MIN_REPEAT_BUYERS) gammaGamma = fitGammaGamma(spend)
  for (const [kind, join] of pending) {
    const fit = join()
    fits[kind] = fit
    if (fit.penalised) notes.push(note('note.unreliableFit', { model: modelNames[kind] }))
    if (!fit.converged) notes.push(note('note.notConverged', { model: modelNames[kind] }))
  }
  if (!gammaGamma) notes.push(note('note.ggTooFew'))
  else if (gammaGamma.params.q <= 1) notes.push(note('note.ggNoMean'))
  return { fits, gammaGamma, notes }
}

/** The three purchase models and Gamma-Gamma, fitted to the customers' histories as of a day (the back-test's calibration). */
export function fitModels(histories: readonly CustomerHistory[], asOfDay: number) {
  const summaries = histories.map((h) => purchaseSummary(h, asOfDay))
  const repeat = summaries.filter((s) => s.x > 0)
  const spend = repeat.filter((s) => s.zbar > 0)
  const { fits, gammaGamma, notes } = fitModelsTo(new SummaryGroups(summaries.filter((s) => s.T > 0)), SpendData.of(spend), repeat.length)
  return { summaries, fits, gammaGamma, notes }
}

/** The automatic back-test compares the models on at most this many customers (every k-th): enough to tell them apart, at a fraction of the fits. */
export const BACKTEST_SAMPLE = 10_000

/**
 * The holdout of the automatic back-test: the last third of the shop's history, between 8 and 52
 * weeks; none when the history is too short to keep 8 weeks on each side.
 */
function automaticBacktest(histories: readonly CustomerHistory[], asOfDay: number): BacktestResult | null {
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
 * trusted, the one with the smallest error in the shop's own back-test (`automatic`), or (history
 * too short to test) the highest likelihood, the three having as many parameters. None when no fit
 * can be trusted.
 */
function chooseModel(automatic: () => BacktestResult | null, fits: Record<ModelKind, ModelFit | null>, choice: ModelChoice, notes: Note[]) {
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
  const backtest = automatic()
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

/** The early warnings the buying pattern can give, by their index in the analysis's column. */
const patternWarnings: (EarlyWarning | null)[] = [null, 'frequency', 'basket', 'frequency_and_basket']

/**
 * The numbers the analysis keeps of each customer: id, orders, purchase days, first and last
 * purchase day, first and last order (milliseconds since 1970: a number takes less room than its
 * ISO text), spend, repeat spend, own typical gap (NaN with fewer than two purchase days) and the
 * buying pattern's early warning (its index in patternWarnings).
 */
const columnNames = ['id', 'orders', 'days', 'firstDay', 'lastDay', 'firstAt', 'lastAt', 'spend', 'repeatSpend', 'ownGap', 'pattern'] as const
type ColumnName = (typeof columnNames)[number]

/** Customers read by one thread, for another to merge (ShopAnalysis.part and merge). */
export interface AnalysisPart {
  columns: Record<ColumnName, Float64Array>
  favourites: string[]
  sample: CustomerHistory[]
}

/**
 * The analysis of a whole shop in two passes that never hold its orders: `add` takes one customer's
 * history at a time (in any order) and keeps a handful of numbers of it in columns, about 100 bytes
 * a customer, plus the histories of a sample for the back-test; `fit` fits the models to the
 * columns, and its `emit` hands each customer's figures to `store`, one at a time, for the caller
 * to write.
 */
export class ShopAnalysis {
  /**
   * One number per customer in each (see `columnNames`), the first `size` of each in use: typed
   * arrays sized for the customers expected hold 88 bytes a customer, where arrays of numbers
   * grown one at a time held several times that.
   */
  private c: Record<ColumnName, Float64Array>
  private n = 0
  /** The favourite items joined by "|"; many customers share them, so each text is kept once. */
  private readonly favourites: string[] = []
  private readonly favouriteTexts = new Map<string, string>()
  /** Every k-th customer's whole history: the sample the automatic back-test runs on. */
  private readonly sample: CustomerHistory[] = []
  private readonly sampleEvery: number

  /** `expectedCustomers`: about how many will be added (a count from the database will do), to draw the back-test's sample as they come. */
  constructor(
    private readonly asOfDay: number,
    expectedCustomers: number,
    /** How many to make room for at first (more are made room for as they come). */
    capacity = expectedCustomers,
  ) {
    this.sampleEvery = Math.max(1, Math.ceil(expectedCustomers / BACKTEST_SAMPLE))
    this.c = this.columns(Math.max(16, capacity))
  }

  private columns(capacity: number): Record<ColumnName, Float64Array> {
    return Object.fromEntries(
      columnNames.map((k) => {
        const column = new Float64Array(capacity)
        if (this.c) column.set(this.c[k].subarray(0, this.n))
        return [k, column]
      }),
    ) as Record<ColumnName, Float64Array>
  }

  /** Room for `more` customers beyond those added. */
  private reserve(more: number): void {
    if (this.n + more > this.c.id.length) this.c = this.columns(Math.max(this.n + more, Math.ceil(this.c.id.length * 1.5)))
  }

  get size(): number {
    return this.n
  }

  /** What was added, to hand to another thread: the columns as typed arrays (transferable), the favourites and the sample. */
  part(): AnalysisPart {
    const columns = Object.fromEntries(columnNames.map((k) => [k, this.c[k].slice(0, this.n)])) as AnalysisPart['columns']
    return { columns, favourites: this.favourites, sample: this.sample }
  }

  /** Adds the customers of another part (read by another thread), after those added here. */
  merge(part: AnalysisPart): void {
    const added = part.columns.id.length
    this.reserve(added)
    for (const k of columnNames) this.c[k].set(part.columns[k], this.n)
    this.n += added
    for (const f of part.favourites) this.keepFavourites(f)
    for (const h of part.sample) this.sample.push(h)
  }

  add(h: CustomerHistory): void {
    if (this.n % this.sampleEvery === 0) this.sample.push(h)
    this.reserve(1)
    const at = this.n++
    const { c } = this
    const n = h.purchaseDays.length
    c.id[at] = h.customerId
    c.orders[at] = h.orders
    c.days[at] = n
    c.firstDay[at] = h.purchaseDays[0]!
    c.lastDay[at] = h.purchaseDays[n - 1]!
    c.firstAt[at] = Date.parse(h.firstOrderAt)
    c.lastAt[at] = Date.parse(h.lastOrderAt)
    c.spend[at] = h.spendCents
    let repeat = 0
    for (let i = 1; i < n; i++) repeat += h.dayValues[i]!
    c.repeatSpend[at] = repeat
    c.ownGap[at] = typicalGap(h.purchaseDays) ?? NaN
    c.pattern[at] = patternWarnings.indexOf(earlyWarning(h.purchaseDays, h.dayValues))
    this.keepFavourites(h.favouriteItems.join('|'))
  }

  /** The next customer's favourites, each text kept once however many customers share it. */
  private keepFavourites(joined: string): void {
    let kept = this.favouriteTexts.get(joined)
    if (kept === undefined) this.favouriteTexts.set(joined, (kept = joined))
    this.favourites.push(kept)
  }

  /** Fits the models to the customers added (`startFit` may have another thread fit some); then `emit` gives each customer's figures (with what the events say) and the summary. */
  fit(settings: AnalysisSettings, startFit: StartFit = fitHere): { emit(signals: ReadonlyMap<number, RecentSignals>, store: (c: CustomerAnalysis) => void): AnalysisSummary } {
    const { asOfDay } = this
    const n = this.size
    // The models' input: repeat purchase days x, the last at t_x, age T (weeks); customers sharing them share a group.
    const groups = new SummaryGroups([])
    const groupOf = new Int32Array(n).fill(-1)
    // Repeat buyers' spend (x, mean repeat order value) for Gamma-Gamma, in columns rather than an object each.
    let spenders = 0
    for (let i = 0; i < n; i++) if (this.c.days[i]! > 1 && this.c.repeatSpend[i]! > 0) spenders++
    const spend = { x: new Float64Array(spenders), zbar: new Float64Array(spenders) }
    let spender = 0
    let repeatBuyers = 0
    for (let i = 0; i < n; i++) {
      const x = this.c.days[i]! - 1
      const txDays = this.c.lastDay[i]! - this.c.firstDay[i]!
      const TDays = asOfDay - this.c.firstDay[i]!
      // (x, t_x, T) in whole days as one number while it fits in 53 bits, which a Map finds quicker than text.
      const key = x < 2048 && TDays < 2_097_152 ? (x * 2_097_152 + txDays) * 2_097_152 + TDays : `${x}|${txDays}|${TDays}`
      if (TDays > 0) groupOf[i] = groups.add({ x, tx: txDays / DAYS_PER_UNIT, T: TDays / DAYS_PER_UNIT }, key)
      if (x > 0) {
        repeatBuyers++
        if (this.c.repeatSpend[i]! > 0) {
          spend.x[spender] = x
          spend.zbar[spender++] = this.c.repeatSpend[i]! / x / 100
        }
      }
    }
    // The automatic back-test runs while other threads may still fit: the choice needs it unless no model can be trusted.
    let tested: BacktestResult | null | undefined
    const automatic = () => (tested === undefined ? (tested = automaticBacktest(this.sample, asOfDay)) : tested)
    groups.seal()
    const { fits, gammaGamma, notes } = fitModelsTo(groups, new SpendData(spend.x, spend.zbar), repeatBuyers, startFit, settings.model === 'auto' ? automatic : undefined)
    const { chosen, chosenBy, backtest } = chooseModel(automatic, fits, settings.model, notes)
    const model = chosen ? fits[chosen] : null
    const populationGap = median(this.c.ownGap.subarray(0, n).filter((g) => !Number.isNaN(g)))
    const recency = quintileScorer(this.c.lastDay.subarray(0, n).map((d) => asOfDay - d), false)
    const frequency = quintileScorer(this.c.orders.subarray(0, n))
    const monetary = quintileScorer(this.c.spend.subarray(0, n))

    const byStatus = Object.fromEntries(lapseStatuses.map((s) => [s, { customers: 0, valueIfWonCents: 0, expectedValueCents: 0 }])) as AnalysisSummary['byStatus']
    // What the model says depends on (x, t_x, T) alone: computed once per group, when first needed;
    // the customers whose first purchase was today (0, 0, 0) share one more slot. The value if won
    // back is linear in the order value, so it is kept per unit of it.
    const today = groups.size
    const alive = new Float64Array(today + 1).fill(NaN)
    const e90 = new Float64Array(today + 1)
    const e365 = new Float64Array(today + 1)
    const valuePerOrderValue = new Float64Array(today + 1)
    const forecast = (i: number): number => {
      const g = groupOf[i]! >= 0 ? groupOf[i]! : today
      if (Number.isNaN(alive[g]!)) {
        const s = g < today ? { x: groups.x[g]!, tx: groups.tx[g]!, T: groups.T[g]! } : { x: 0, tx: 0, T: 0 }
        alive[g] = modelPAlive(model!, s)
        e90[g] = alive[g]! * modelExpectedIfAlive(model!, s, 90 / DAYS_PER_UNIT)
        e365[g] = alive[g]! * modelExpectedIfAlive(model!, s, 365 / DAYS_PER_UNIT)
        valuePerOrderValue[g] = lifetimeValueIfAlive(model!, s, 1, settings.clv)
      }
      return g
    }
    const emit = (signals: ReadonlyMap<number, RecentSignals>, store: (c: CustomerAnalysis) => void): AnalysisSummary => {
      let earlyWarnings = 0
      for (let i = 0; i < n; i++) {
        const customerId = this.c.id[i]!
        const x = this.c.days[i]! - 1
        const own = this.c.ownGap[i]!
        const gapBasis = Number.isNaN(own) ? 'population' : 'own'
        // Without any repeat buyer at all there is no rhythm to measure against: use a month.
        const gap = Number.isNaN(own) ? (populationGap ?? 30) : own
        const daysSinceLast = asOfDay - this.c.lastDay[i]!
        const status = lapseStatus(daysSinceLast, gap, settings.lapse)
        // While a customer still counts as active: what the events say first (a complaint, late payments), then the buying pattern.
        const warning = status === 'active' ? (eventWarning(signals.get(customerId)) ?? patternWarnings[this.c.pattern[i]!]!) : null
        if (warning) earlyWarnings++

        let pAlive: number | null = null
        let expected90: number | null = null
        let expected365: number | null = null
        let orderValue: number | null = null
        let clv: number | null = null
        let ifWon: number | null = null
        let priority: number | null = null
        if (model) {
          const g = forecast(i)
          pAlive = alive[g]!
          expected90 = e90[g]!
          expected365 = e365[g]!
          const ownMean = this.c.spend[i]! / this.c.orders[i]! / 100
          orderValue = gammaGamma && gammaGamma.params.q > 1 ? expectedAverageValue(gammaGamma.params, x, x > 0 ? this.c.repeatSpend[i]! / x / 100 : 0) : ownMean
          ifWon = valuePerOrderValue[g]! * orderValue * 100
          clv = pAlive * ifWon
          priority = clv - settings.incentiveCostCents
        }
        const bucket = byStatus[status]
        bucket.customers++
        bucket.valueIfWonCents += ifWon ?? 0
        bucket.expectedValueCents += clv ?? 0
        const favourites = this.favourites[i]!
        store({
          customerId,
          orders: this.c.orders[i]!,
          purchaseDays: this.c.days[i]!,
          firstOrderAt: new Date(this.c.firstAt[i]!).toISOString(),
          lastOrderAt: new Date(this.c.lastAt[i]!).toISOString(),
          spendCents: this.c.spend[i]!,
          averageOrderCents: Math.round(this.c.spend[i]! / this.c.orders[i]!),
          favouriteItems: favourites || null,
          typicalGapDays: gap,
          gapBasis,
          daysSinceLast,
          lapseStatus: status,
          earlyWarning: warning,
          rScore: recency(daysSinceLast),
          fScore: frequency(this.c.orders[i]!),
          mScore: monetary(this.c.spend[i]!),
          pAlive,
          expectedPurchases90: expected90,
          expectedPurchases365: expected365,
          expectedOrderCents: orderValue === null ? null : Math.round(orderValue * 100),
          clvCents: clv === null ? null : Math.round(clv),
          valueIfWonCents: ifWon === null ? null : Math.round(ifWon),
          priorityCents: priority === null ? null : Math.round(priority),
        })
      }
      for (const b of Object.values(byStatus)) {
        b.valueIfWonCents = Math.round(b.valueIfWonCents)
        b.expectedValueCents = Math.round(b.expectedValueCents)
      }
      return {
        asOf: new Date(asOfDay * DAY_MS).toISOString().slice(0, 10),
        customers: n,
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
      }
    }
    return { emit }
  }
}

/** The analysis of histories in memory, every customer's figures in an array: for tests and small data. */
export function analyseHistories(
  histories: readonly CustomerHistory[],
  asOfDay: number,
  settings: AnalysisSettings = defaultAnalysisSettings,
  signals: ReadonlyMap<number, RecentSignals> = new Map(),
): { customers: CustomerAnalysis[]; summary: AnalysisSummary } {
  const analysis = new ShopAnalysis(asOfDay, histories.length)
  for (const h of histories) analysis.add(h)
  const customers: CustomerAnalysis[] = []
  const summary = analysis.fit(settings).emit(signals, (c) => customers.push(c))
  return { customers, summary }
}
