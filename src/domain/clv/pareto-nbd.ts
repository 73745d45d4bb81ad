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

/**
 * The "died in between" part of one customer's likelihood, without the common factor:
 * log of s · ∫ from t_x to T of (α+τ)^−(r+x) · (β+τ)^−(s+1) dτ (death at τ after the last
 * purchase; Fader & Hardie's s/(r+s+x) · A₀ in closed form), and its gradient. The closed form
 * needs 2F1 near z = 1 for lopsided α and β, where its series crawls; the integral, taken by
 * Gauss–Legendre in w = log(min(α, β) + τ), is smooth there too and differentiates under the sign.
 */
function logDied(p: ParetoNbdParams, x: number, tx: number, T: number, grad: Grad4 | null): number {
  if (!(T > tx)) return -Infinity
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

/** One customer's log-likelihood, its part "still alive at T", and (when asked) the gradient of the first. */
function customerTerms(p: ParetoNbdParams, x: number, tx: number, T: number, grad: Grad4 | null): { ll: number; logAlive: number } {
  const head = gammaln(p.r + x) - gammaln(p.r) + p.r * Math.log(p.alpha) + p.s * Math.log(p.beta)
  const alive = -(p.r + x) * Math.log(p.alpha + T) - p.s * Math.log(p.beta + T)
  const dDead: Grad4 = [0, 0, 0, 0]
  const dead = logDied(p, x, tx, T, grad ? dDead : null)
  const tail = logAddExp(alive, dead)
  if (grad) {
    const wAlive = Math.exp(alive - tail)
    const wDead = Number.isFinite(dead) ? 1 - wAlive : 0
    grad[0] = digamma(p.r + x) - digamma(p.r) + Math.log(p.alpha) - wAlive * Math.log(p.alpha + T) + wDead * dDead[0]
    grad[1] = p.r / p.alpha - wAlive * ((p.r + x) / (p.alpha + T)) + wDead * dDead[1]
    grad[2] = Math.log(p.beta) - wAlive * Math.log(p.beta + T) + wDead * dDead[2]
    grad[3] = p.s / p.beta - wAlive * (p.s / (p.beta + T)) + wDead * dDead[3]
  }
  return { ll: head + tail, logAlive: alive - tail }
}

/** Log-likelihood of the data, and its gradient with respect to (log r, log α, log s, log β). */
export function paretoNbdLogLikelihood(p: ParetoNbdParams, data: SummaryGroups, gradient?: number[]): number {
  let ll = 0
  const g: Grad4 = [0, 0, 0, 0]
  const sum = [0, 0, 0, 0]
  for (let j = 0; j < data.size; j++) {
    const n = data.count[j]!
    ll += n * customerTerms(p, data.x[j]!, data.tx[j]!, data.T[j]!, gradient ? g : null).ll
    if (gradient) for (let i = 0; i < 4; i++) sum[i]! += n * g[i]!
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
