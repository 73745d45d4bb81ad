import type { PurchaseSummary, SummaryGroups } from './bgnbd.ts'
import { digamma, gammaln, logAddExp } from './special.ts'

/**
 * The Pareto/NBD model of Schmittlein, Morrison & Colombo (1987): a customer buys at rate
 * λ ~ Gamma(r, α) while alive and dies at an exponential time with rate μ ~ Gamma(s, β), at any
 * moment rather than only at a purchase. The likelihood follows Fader & Hardie's note "A Note on
 * Deriving the Pareto/NBD Model and Related Expressions" (2005), in log space throughout, with
 * its analytic gradient.
 */
export interface ParetoNbdParams {
  r: number
  alpha: number
  s: number
  beta: number
}

/** Gradient with respect to (r, α, s, β). */
type Grad4 = [number, number, number, number]

/** Gauss–Legendre nodes and weights on [−1, 1] (Newton on the Legendre polynomial, as in Numerical Recipes' gauleg). */
function gaussLegendre(n: number): { x: Float64Array; w: Float64Array } {
  const x = new Float64Array(n)
  const w = new Float64Array(n)
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5))
    let dp = 0
    for (let iter = 0; iter < 100; iter++) {
      let p1 = 1
      let p2 = 0
      for (let j = 1; j <= n; j++) {
        const p3 = p2
        p2 = p1
        p1 = ((2 * j - 1) * z * p2 - (j - 1) * p3) / j
      }
      dp = (n * (z * p1 - p2)) / (z * z - 1)
      const dz = p1 / dp
      z -= dz
      if (Math.abs(dz) < 1e-15) break
    }
    x[i] = -z
    x[n - 1 - i] = z
    w[i] = w[n - 1 - i] = 2 / ((1 - z * z) * dp * dp)
  }
  return { x, w }
}
const NODES = 32
const gl = gaussLegendre(NODES)
const logF = new Float64Array(NODES)
const logAt = new Float64Array(NODES)
const logBt = new Float64Array(NODES)
const invAt = new Float64Array(NODES)
const invBt = new Float64Array(NODES)

/** hyp2f1Shifted's result: log F, then ∂ log F/∂a, ∂/∂b, ∂/∂z (one buffer: this runs millions of times per fit). */
const hyp = new Float64Array(4)

/**
 * 2F1(a, b; a+1; z) for a, b > 0 and 0 ≤ z ≤ 1/2 by its series in plain arithmetic (no overflow
 * while b · log(1/(1−z)) stays moderate, which the caller checks), with the partial derivatives
 * of its log: ∂/∂a (c = a+1 moving with a), ∂/∂b and ∂/∂z, each a weighted sum of the same terms
 * a/(a+k) · (b)_k/k! · z^k. Written to `hyp`.
 */
function hyp2f1Shifted(a: number, b: number, z: number): void {
  if (z === 0) {
    hyp[0] = hyp[1] = hyp[2] = 0
    hyp[3] = (a * b) / (a + 1)
    return
  }
  let term = 1
  let sum = 1
  let sumA = 0
  let sumB = 0
  let sumZ = 0
  let harmonic = 0
  for (let k = 1; k < 100_000; k++) {
    term *= ((a + k - 1) / (a + k)) * ((b + k - 1) / k) * z
    harmonic += 1 / (b + k - 1)
    sum += term
    sumA += (term * k) / (a * (a + k))
    sumB += term * harmonic
    sumZ += term * k
    // Past the largest term (k > b), the terms shrink at least as fast as z^k.
    if (k > b && term * Math.max(1, harmonic, k / z) < 1e-17 * sum) break
  }
  hyp[0] = Math.log(sum)
  hyp[1] = sumA / sum
  hyp[2] = sumB / sum
  hyp[3] = sumZ / z / sum
}

/** Whether the "died in between" integral of a customer with x repeat purchases, the last at t_x, is taken by its series (else by quadrature). */
function bySeries(p: ParetoNbdParams, x: number, tx: number): boolean {
  const alphaLow = p.alpha < p.beta
  const low = alphaLow ? p.alpha : p.beta
  const high = alphaLow ? p.beta : p.alpha
  const t = alphaLow ? p.r + x : p.s + 1
  const zMax = (high - low) / (high + tx)
  return zMax <= 0.5 && t * -Math.log1p(-zMax) < 600
}

/**
 * The "died in between" part of one customer's likelihood, without the common factor:
 * log of s · ∫ from t_x to T of (α+τ)^−(r+x) · (β+τ)^−(s+1) dτ (death at τ after the last
 * purchase), and its gradient. In closed form it is s/(r+s+x) · A₀ of Fader & Hardie's note, with
 * 2F1(r+s+x, t; r+s+x+1; |α−β|/(max(α,β)+u)) at u = t_x and T: quick while that argument is at
 * most 1/2 (α and β alike, as in most shops). For lopsided α and β the series crawls towards
 * z = 1, and the integral is taken by Gauss–Legendre in w = log(min(α, β) + τ) instead.
 */
function logDied(p: ParetoNbdParams, x: number, tx: number, T: number, grad: Grad4 | null): number {
  if (!(T > tx)) return -Infinity
  if (!bySeries(p, x, tx)) return logDiedQuadrature(p, x, tx, T, grad)
  seriesPart(p, x, tx, grad !== null, scratch, 0)
  seriesPart(p, x, T, grad !== null, scratch, 1)
  return logDiedSeries(p, x, scratch, 0, scratch, 1, grad)
}

/** One evaluation of the series at u: log P(u) = log 2F1(…; z_u) − (r+s+x) log(max+u), then its gradient in (r, α, s, β). */
const SERIES_STRIDE = 5
const scratch = new Float64Array(2 * SERIES_STRIDE)

function seriesPart(p: ParetoNbdParams, x: number, u: number, grad: boolean, out: Float64Array, at: number): void {
  const alphaLow = p.alpha < p.beta
  const low = alphaLow ? p.alpha : p.beta
  const high = alphaLow ? p.beta : p.alpha
  const t = alphaLow ? p.r + x : p.s + 1
  const rsx = p.r + p.s + x
  const z = (high - low) / (high + u)
  hyp2f1Shifted(rsx, t, z)
  const logHigh = Math.log(high + u)
  const o = at * SERIES_STRIDE
  out[o] = hyp[0]! - rsx * logHigh
  if (!grad) return
  const dRsx = hyp[1]! - logHigh
  const dHigh = (hyp[3]! * (low + u)) / ((high + u) * (high + u)) - rsx / (high + u)
  const dLow = -hyp[3]! / (high + u)
  // t = r+x when α < β (∂/∂r gets ∂/∂t), else s+1 (∂/∂s does).
  out[o + 1] = alphaLow ? dRsx + hyp[2]! : dRsx
  out[o + 2] = alphaLow ? dLow : dHigh
  out[o + 3] = alphaLow ? dRsx : dRsx + hyp[2]!
  out[o + 4] = alphaLow ? dHigh : dLow
}

/** `logDied` from the series at t_x (in `a` at index ai) and at T (in `b` at bi). */
function logDiedSeries(p: ParetoNbdParams, x: number, a: Float64Array, ai: number, b: Float64Array, bi: number, grad: Grad4 | null): number {
  const oa = ai * SERIES_STRIDE
  const ob = bi * SERIES_STRIDE
  const rsx = p.r + p.s + x
  const delta = b[ob]! - a[oa]!
  if (!(delta < 0)) return -Infinity
  const e = Math.exp(delta)
  if (grad) {
    for (let i = 0; i < 4; i++) grad[i] = (a[oa + 1 + i]! - e * b[ob + 1 + i]!) / (1 - e)
    // log s − log(r+s+x) on top of log A₀.
    grad[0] -= 1 / rsx
    grad[2] += 1 / p.s - 1 / rsx
  }
  return Math.log(p.s) - Math.log(rsx) + a[oa]! + (delta > -0.693 ? Math.log(-Math.expm1(delta)) : Math.log1p(-e))
}

/** `logDied` by Gauss–Legendre in w = log(min(α, β) + τ): smooth for lopsided α and β too, and differentiated under the integral sign. */
function logDiedQuadrature(p: ParetoNbdParams, x: number, tx: number, T: number, grad: Grad4 | null): number {
  const low = Math.min(p.alpha, p.beta)
  const w0 = Math.log(low + tx)
  const w1 = Math.log(low + T)
  const half = (w1 - w0) / 2
  const mid = (w1 + w0) / 2
  let top = -Infinity
  for (let i = 0; i < NODES; i++) {
    const w = mid + half * gl.x[i]!
    const tau = Math.exp(w) - low
    const at = p.alpha + tau
    const bt = p.beta + tau
    logAt[i] = Math.log(at)
    logBt[i] = Math.log(bt)
    invAt[i] = 1 / at
    invBt[i] = 1 / bt
    // dτ = e^w dw
    logF[i] = Math.log(gl.w[i]!) + w - (p.r + x) * logAt[i]! - (p.s + 1) * logBt[i]!
    if (logF[i]! > top) top = logF[i]!
  }
  let sum = 0
  let gr = 0
  let ga = 0
  let gs = 0
  let gb = 0
  for (let i = 0; i < NODES; i++) {
    const f = Math.exp(logF[i]! - top)
    sum += f
    if (grad) {
      gr -= f * logAt[i]!
      ga -= f * (p.r + x) * invAt[i]!
      gs -= f * logBt[i]!
      gb -= f * (p.s + 1) * invBt[i]!
    }
  }
  if (grad) {
    grad[0] = gr / sum
    grad[1] = ga / sum
    grad[2] = 1 / p.s + gs / sum
    grad[3] = gb / sum
  }
  return Math.log(p.s) + top + Math.log(sum * half)
}

/**
 * One customer's log-likelihood and its part "still alive at T", from the died-in-between part
 * (`dead`, with its gradient `dDead`) and the part that depends on x alone, which callers with many
 * customers compute once per x (`headOf`). The gradient (when asked) goes to `grad`.
 */
function combine(p: ParetoNbdParams, x: number, T: number, head: number, dHeadR: number, dead: number, dDead: Grad4, grad: Grad4 | null): { ll: number; logAlive: number } {
  const alive = -(p.r + x) * Math.log(p.alpha + T) - p.s * Math.log(p.beta + T)
  const tail = logAddExp(alive, dead)
  if (grad) {
    const wAlive = Math.exp(alive - tail)
    const wDead = Number.isFinite(dead) ? 1 - wAlive : 0
    grad[0] = dHeadR - wAlive * Math.log(p.alpha + T) + wDead * dDead[0]
    grad[1] = p.r / p.alpha - wAlive * ((p.r + x) / (p.alpha + T)) + wDead * dDead[1]
    grad[2] = Math.log(p.beta) - wAlive * Math.log(p.beta + T) + wDead * dDead[2]
    grad[3] = p.s / p.beta - wAlive * (p.s / (p.beta + T)) + wDead * dDead[3]
  }
  return { ll: head + tail, logAlive: alive - tail }
}

/** log Γ(r+x) − log Γ(r) + r log α + s log β, and its derivative in r (when `gradient`). */
function headOf(p: ParetoNbdParams, x: number, gradient: boolean): [number, number] {
  return [
    gammaln(p.r + x) - gammaln(p.r) + p.r * Math.log(p.alpha) + p.s * Math.log(p.beta),
    gradient ? digamma(p.r + x) - digamma(p.r) + Math.log(p.alpha) : 0,
  ]
}

function customerTerms(p: ParetoNbdParams, x: number, tx: number, T: number, grad: Grad4 | null): { ll: number; logAlive: number } {
  const dDead: Grad4 = [0, 0, 0, 0]
  const dead = logDied(p, x, tx, T, grad ? dDead : null)
  const [head, dHeadR] = headOf(p, x, grad !== null)
  return combine(p, x, T, head, dHeadR, dead, dDead, grad)
}

/**
 * The distinct (x, t_x) and (x, T) of a data set's groups: the series at t_x and at T depend on
 * nothing else, and many customers share them (every one-time buyer has t_x = 0), so a fit sums
 * each once per evaluation rather than once per group. Kept per data set, which a fit evaluates
 * dozens of times.
 */
interface SeriesPoints {
  /** Per group, the index of its (x, t_x) and of its (x, T). */
  atTx: Int32Array
  atT: Int32Array
  txCount: number
  TCount: number
}
const seriesPoints = new WeakMap<SummaryGroups, SeriesPoints>()

function pointsOf(data: SummaryGroups): SeriesPoints {
  let points = seriesPoints.get(data)
  if (points) return points
  const index = (values: readonly number[]) => {
    // Per x (as its index in distinctX), the values seen: numeric keys, quicker than joined text.
    const seen = data.distinctX.map(() => new Map<number, number>())
    const at = new Int32Array(data.size)
    let count = 0
    for (let j = 0; j < data.size; j++) {
      const byValue = seen[data.xIndex[j]!]!
      let i = byValue.get(values[j]!)
      if (i === undefined) byValue.set(values[j]!, (i = count++))
      at[j] = i
    }
    return { at, count }
  }
  const tx = index(data.tx)
  const T = index(data.T)
  points = { atTx: tx.at, atT: T.at, txCount: tx.count, TCount: T.count }
  seriesPoints.set(data, points)
  return points
}

const NOT_YET = 0
const SERIES = 1
const QUADRATURE = 2

/** Log-likelihood of the data, and its gradient with respect to (log r, log α, log s, log β). */
export function paretoNbdLogLikelihood(p: ParetoNbdParams, data: SummaryGroups, gradient?: number[]): number {
  const withGradient = gradient !== undefined
  const points = pointsOf(data)
  const atTx = new Float64Array(points.txCount * SERIES_STRIDE)
  const atT = new Float64Array(points.TCount * SERIES_STRIDE)
  const txState = new Uint8Array(points.txCount)
  const TDone = new Uint8Array(points.TCount)
  const heads = data.distinctX.map((x) => headOf(p, x, withGradient))
  let ll = 0
  const g: Grad4 = [0, 0, 0, 0]
  const dDead: Grad4 = [0, 0, 0, 0]
  const sum = [0, 0, 0, 0]
  for (let j = 0; j < data.size; j++) {
    const n = data.count[j]!
    const x = data.x[j]!
    const tx = data.tx[j]!
    const T = data.T[j]!
    let dead = -Infinity
    if (T > tx) {
      const k = points.atTx[j]!
      let state = txState[k]!
      if (state === NOT_YET) {
        state = txState[k] = bySeries(p, x, tx) ? SERIES : QUADRATURE
        if (state === SERIES) seriesPart(p, x, tx, withGradient, atTx, k)
      }
      if (state === SERIES) {
        const m = points.atT[j]!
        if (!TDone[m]) {
          seriesPart(p, x, T, withGradient, atT, m)
          TDone[m] = 1
        }
        dead = logDiedSeries(p, x, atTx, k, atT, m, withGradient ? dDead : null)
      } else {
        dead = logDiedQuadrature(p, x, tx, T, withGradient ? dDead : null)
      }
    }
    const [head, dHeadR] = heads[data.xIndex[j]!]!
    ll += n * combine(p, x, T, head, dHeadR, dead, dDead, withGradient ? g : null).ll
    if (withGradient) for (let i = 0; i < 4; i++) sum[i]! += n * g[i]!
  }
  if (gradient) {
    gradient[0] = sum[0]! * p.r
    gradient[1] = sum[1]! * p.alpha
    gradient[2] = sum[2]! * p.s
    gradient[3] = sum[3]! * p.beta
  }
  return ll
}

/** P(alive at T | x, t_x, T). */
export function paretoNbdPAlive(p: ParetoNbdParams, c: PurchaseSummary): number {
  return Math.exp(customerTerms(p, c.x, c.tx, c.T, null).logAlive)
}

/**
 * Expected purchases in (T, T + t] for a customer still alive:
 * (r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)], and its limit at s = 1.
 */
export function paretoNbdExpectedIfAlive(p: ParetoNbdParams, c: PurchaseSummary, t: number): number {
  if (t <= 0) return 0
  const L = Math.log((p.beta + c.T + t) / (p.beta + c.T))
  const s1 = p.s - 1
  const horizon = Math.abs(s1) < 1e-9 ? L : -Math.expm1(-s1 * L) / s1
  return (((p.r + c.x) * (p.beta + c.T)) / (p.alpha + c.T)) * horizon
}
