import { minimizeLbfgs } from './lbfgs.ts'
import { digamma, gammaln } from './special.ts'

/**
 * The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV"):
 * a customer's transaction values are Gamma(p, ν), with ν ~ Gamma(q, γ) across customers.
 * Fitted on repeat buyers only: x repeat transactions with mean value zbar > 0.
 */

export interface SpendSummary {
  /** Number of repeat transactions (≥ 1). */
  x: number
  /** Their mean value. */
  zbar: number
}

export interface GammaGammaParams {
  p: number
  q: number
  gamma: number
}

export interface GammaGammaFit {
  params: GammaGammaParams
  logLikelihood: number
  customers: number
  iterations: number
  converged: boolean
}

export function gammaGammaLogLikelihood(params: GammaGammaParams, data: readonly SpendSummary[], gradient?: number[]): number {
  const { p, q, gamma } = params
  const lgQ = gammaln(q)
  const psiQ = digamma(q)
  const logGamma = Math.log(gamma)
  const byX = new Map<number, { lg: number; psiPXQ: number; psiPX: number }>()
  let ll = 0
  let gp = 0
  let gq = 0
  let gg = 0
  for (const { x, zbar } of data) {
    let cached = byX.get(x)
    if (!cached) {
      cached = {
        lg: gammaln(p * x + q) - gammaln(p * x) - lgQ,
        psiPXQ: gradient ? digamma(p * x + q) : 0,
        psiPX: gradient ? digamma(p * x) : 0,
      }
      byX.set(x, cached)
    }
    const logZ = Math.log(zbar)
    const logX = Math.log(x)
    const logGXZ = Math.log(gamma + x * zbar)
    ll += cached.lg + q * logGamma + (p * x - 1) * logZ + p * x * logX - (p * x + q) * logGXZ
    if (gradient) {
      gp += x * (cached.psiPXQ - cached.psiPX + logZ + logX - logGXZ)
      gq += cached.psiPXQ - psiQ + logGamma - logGXZ
      gg += q / gamma - (p * x + q) / (gamma + x * zbar)
    }
  }
  if (gradient) {
    gradient[0] = gp * p
    gradient[1] = gq * q
    gradient[2] = gg * gamma
  }
  return ll
}

export function fitGammaGamma(data: readonly SpendSummary[]): GammaGammaFit {
  const usable = data.filter((d) => d.x > 0 && d.zbar > 0)
  if (usable.length === 0) throw new RangeError('no repeat buyers with spend to fit')
  const n = usable.length
  const meanZ = usable.reduce((s, d) => s + d.zbar, 0) / n
  const objective = (phi: number[], grad: number[]) => {
    if (phi.some((v) => v > 30 || v < -30)) return Infinity
    const params = { p: Math.exp(phi[0]!), q: Math.exp(phi[1]!), gamma: Math.exp(phi[2]!) }
    const ll = gammaGammaLogLikelihood(params, usable, grad)
    for (let i = 0; i < 3; i++) grad[i] = -grad[i]! / n
    return -ll / n
  }
  const result = minimizeLbfgs(objective, [Math.log(2), Math.log(3), Math.log(meanZ)], { gradientTolerance: 1e-9, valueTolerance: 1e-15 })
  const [p, q, gamma] = result.x.map(Math.exp) as [number, number, number]
  return { params: { p, q, gamma }, logLikelihood: -result.value * n, customers: n, iterations: result.iterations, converged: result.converged }
}

/**
 * E[Z | x, zbar]: the expected value of a customer's future transactions, a weighted mean of the
 * population mean pγ/(q−1) and the customer's own mean. For x = 0 it is the population mean.
 */
export function expectedAverageValue(params: GammaGammaParams, x: number, zbar: number): number {
  const { p, q, gamma } = params
  if (q <= 1) return x > 0 ? zbar : NaN
  const populationMean = (p * gamma) / (q - 1)
  if (x === 0) return populationMean
  const weight = (p * x) / (p * x + q - 1)
  return (1 - weight) * populationMean + weight * zbar
}
