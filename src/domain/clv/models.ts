import { bgnbdLogLikelihood, expectedPurchasesIfAlive as bgnbdExpectedIfAlive, pAlive as bgnbdPAlive, SummaryGroups, type PurchaseSummary } from './bgnbd.ts'
import { minimizeLbfgs, type MinimizeResult } from './lbfgs.ts'
import { mbgnbdExpectedIfAlive, mbgnbdLogLikelihood, mbgnbdPAlive } from './mbgnbd.ts'
import { paretoNbdExpectedIfAlive, paretoNbdLogLikelihood, paretoNbdPAlive } from './pareto-nbd.ts'

/**
 * The three purchase models side by side (SPEC §4): BG/NBD, MBG/NBD and Pareto/NBD, each with
 * four positive parameters fitted by maximum likelihood over their logarithms, and what a
 * fitted model says about one customer: P(alive) and the expected purchases.
 */
export const modelKinds = ['bgnbd', 'mbgnbd', 'paretoNbd'] as const
export type ModelKind = (typeof modelKinds)[number]

interface ModelSpec {
  /** The parameter names, in the order of the gradient. */
  names: readonly [string, string, string, string]
  logLikelihood(p: Record<string, number>, data: SummaryGroups, gradient?: number[]): number
  pAlive(p: Record<string, number>, c: PurchaseSummary): number
  expectedIfAlive(p: Record<string, number>, c: PurchaseSummary, t: number): number
}

type Bg = { r: number; alpha: number; a: number; b: number }
type Pareto = { r: number; alpha: number; s: number; beta: number }

const specs: Record<ModelKind, ModelSpec> = {
  bgnbd: {
    names: ['r', 'alpha', 'a', 'b'],
    logLikelihood: (p, d, g) => bgnbdLogLikelihood(p as Bg, d, g),
    pAlive: (p, c) => bgnbdPAlive(p as Bg, c),
    expectedIfAlive: (p, c, t) => bgnbdExpectedIfAlive(p as Bg, c, t),
  },
  mbgnbd: {
    names: ['r', 'alpha', 'a', 'b'],
    logLikelihood: (p, d, g) => mbgnbdLogLikelihood(p as Bg, d, g),
    pAlive: (p, c) => mbgnbdPAlive(p as Bg, c),
    expectedIfAlive: (p, c, t) => mbgnbdExpectedIfAlive(p as Bg, c, t),
  },
  paretoNbd: {
    names: ['r', 'alpha', 's', 'beta'],
    logLikelihood: (p, d, g) => paretoNbdLogLikelihood(p as Pareto, d, g),
    pAlive: (p, c) => paretoNbdPAlive(p as Pareto, c),
    expectedIfAlive: (p, c, t) => paretoNbdExpectedIfAlive(p as Pareto, c, t),
  },
}

export interface ModelFit {
  kind: ModelKind
  params: Record<string, number>
  /** Of the data, without the penalty. */
  logLikelihood: number
  customers: number
  iterations: number
  converged: boolean
  /**
   * The data could not pin the parameters down (the plain fit ran off towards the edge of the
   * parameter space or did not converge): a small penalty on the log-parameters kept them
   * finite, and the fit is unreliable.
   */
  penalised: boolean
}

/** A plain fit beyond e^±LOG_EDGE (about 1/8,000 to 8,000 in the data's time unit) is taken as running off. */
const LOG_EDGE = 9
/** The penalty λ·Σ(log θ)² on the mean negative log-likelihood, as lifetimes' penalizer_coef (there on θ itself). */
const PENALTY = 0.01

/**
 * A plain fit this far beyond the edge has run off for good: it is given up at once rather than
 * followed to convergence (on a fixed rhythm, Pareto/NBD heads for lopsided rates where each step
 * costs a quadrature per customer group: seconds, for an answer the penalised refit replaces).
 */
const GIVE_UP_EDGE = LOG_EDGE + 2

function minimise(spec: ModelSpec, data: SummaryGroups, start: number[], penalty: number, curvature?: MinimizeResult['curvature']) {
  const n = data.total
  const objective = (phi: number[], grad: number[]) => {
    if (phi.some((v) => v > 30 || v < -30)) return Infinity
    const p = Object.fromEntries(spec.names.map((k, i) => [k, Math.exp(phi[i]!)]))
    const ll = spec.logLikelihood(p, data, grad)
    if (!Number.isFinite(ll)) return Infinity
    let pen = 0
    for (let i = 0; i < 4; i++) {
      grad[i] = -grad[i]! / n + 2 * penalty * phi[i]!
      pen += penalty * phi[i]! * phi[i]!
    }
    return -ll / n + pen
  }
  const giveUpAt = penalty === 0 ? (phi: readonly number[]) => phi.some((v) => Math.abs(v) > GIVE_UP_EDGE) : undefined
  return minimizeLbfgs(objective, start, { gradientTolerance: 1e-9, valueTolerance: 1e-13, curvature, giveUpAt })
}

/** A data set of more groups than this is fitted from the optimum of a sample of about this many. */
const WARM_START_GROUPS = 5000

/**
 * Where to start a fit: for a big data set, where the plain fit of a sample of it ended. Near the
 * optimum, L-BFGS needs a few steps where it would need dozens from afar, and a step over the
 * whole data set costs as much as a whole fit of the sample.
 */
function warmStart(spec: ModelSpec, data: SummaryGroups, start: number[]): { start: number[]; curvature?: MinimizeResult['curvature']; ranOff?: boolean } {
  if (data.size <= 2 * WARM_START_GROUPS) return { start }
  const sample = minimise(spec, data.sample(Math.floor(data.size / WARM_START_GROUPS)), start, 0)
  if (sample.converged && sample.x.every((v) => Math.abs(v) <= LOG_EDGE)) return { start: sample.x, curvature: sample.curvature }
  // Thousands of groups that cannot pin the parameters down: nor can the whole (a fixed rhythm, say).
  return { start, ranOff: sample.x.some((v) => Math.abs(v) > LOG_EDGE) }
}

/** Maximum likelihood; refitted with a small penalty when the plain fit runs off or does not converge. */
export function fitModel(kind: ModelKind, summaries: Iterable<PurchaseSummary> | SummaryGroups): ModelFit {
  const data = summaries instanceof SummaryGroups ? summaries : new SummaryGroups(summaries)
  if (data.total === 0) throw new RangeError('no customers to fit')
  const spec = specs[kind]
  const meanT = data.T.reduce((s, T, i) => s + T * data.count[i]!, 0) / data.total
  // Rates of about one purchase per quarter of the mean age; dropout and death moderate.
  const start = kind === 'paretoNbd' ? [0, Math.log(Math.max(meanT / 4, 1e-3)), 0, Math.log(Math.max(meanT / 4, 1e-3))] : [0, Math.log(Math.max(meanT / 4, 1e-3)), 0, 0]
  const warm = warmStart(spec, data, start)
  let result = warm.ranOff ? null : minimise(spec, data, warm.start, 0, warm.curvature)
  let penalised = false
  if (!result || !result.converged || result.x.some((v) => Math.abs(v) > LOG_EDGE)) {
    result = minimise(spec, data, start, PENALTY)
    penalised = true
  }
  const params = Object.fromEntries(spec.names.map((k, i) => [k, Math.exp(result.x[i]!)]))
  return { kind, params, logLikelihood: spec.logLikelihood(params, data), customers: data.total, iterations: result.iterations, converged: result.converged, penalised }
}

export function modelPAlive(fit: Pick<ModelFit, 'kind' | 'params'>, c: PurchaseSummary): number {
  return specs[fit.kind].pAlive(fit.params, c)
}

/** Expected purchases in the next t time units for a customer still alive; times P(alive) for the expectation. */
export function modelExpectedIfAlive(fit: Pick<ModelFit, 'kind' | 'params'>, c: PurchaseSummary, t: number): number {
  return specs[fit.kind].expectedIfAlive(fit.params, c, t)
}

export function modelExpectedPurchases(fit: Pick<ModelFit, 'kind' | 'params'>, c: PurchaseSummary, t: number): number {
  return modelPAlive(fit, c) * modelExpectedIfAlive(fit, c, t)
}

export function modelLogLikelihood(kind: ModelKind, params: Record<string, number>, data: SummaryGroups, gradient?: number[]): number {
  return specs[kind].logLikelihood(params, data, gradient)
}
