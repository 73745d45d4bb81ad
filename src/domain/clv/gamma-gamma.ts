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

/** Repeat buyers' spend in columns, with what depends on the data alone (log zbar, x log(x zbar)) worked out once per fit, not once per evaluation. */
export class SpendData {
  readonly size: number
  readonly logZ: Float64Array
  readonly xLogXZ: Float64Array
  readonly distinctX: number[] = []
  readonly xIndex: Int32Array

  constructor(
    readonly x: Float64Array,
    readonly zbar: Float64Array,
  ) {
    this.size = x.length
    this.logZ = new Float64Array(this.size)
    this.xLogXZ = new Float64Array(this.size)
    this.xIndex = new Int32Array(this.size)
    const xs = new Map<number, number>()
    for (let i = 0; i < this.size; i++) {
      const xi0 = x[i]!
      let xi = xs.get(xi0)
      if (xi === undefined) {
        xs.set(xi0, (xi = this.distinctX.length))
        this.distinctX.push(xi0)
      }
      this.logZ[i] = Math.log(zbar[i]!)
      this.xLogXZ[i] = xi0 * (Math.log(zbar[i]!) + Math.log(xi0))
      this.xIndex[i] = xi
    }
  }

  static of(data: readonly SpendSummary[]): SpendData {
    return new SpendData(Float64Array.from(data, (d) => d.x), Float64Array.from(data, (d) => d.zbar))
  }

  /** Those with x > 0 and zbar > 0: the customers the model is fitted on. */
  usable(): SpendData {
    const keep: number[] = []
    for (let i = 0; i < this.size; i++) if (this.x[i]! > 0 && this.zbar[i]! > 0) keep.push(i)
    return keep.length === this.size ? this : new SpendData(Float64Array.from(keep, (i) => this.x[i]!), Float64Array.from(keep, (i) => this.zbar[i]!))
  }
}

export function gammaGammaLogLikelihood(params: GammaGammaParams, data: readonly SpendSummary[] | SpendData, gradient?: number[]): number {
  const d = data instanceof SpendData ? data : SpendData.of(data)
  const { p, q, gamma } = params
  const lgQ = gammaln(q)
  const psiQ = digamma(q)
  const logGamma = Math.log(gamma)
  // Terms of x alone: log Γ(px+q) − log Γ(px) − log Γ(q), and the digammas of the gradient.
  const lg = d.distinctX.map((x) => gammaln(p * x + q) - gammaln(p * x) - lgQ)
  const psiPXQ = gradient ? d.distinctX.map((x) => digamma(p * x + q)) : []
  const psiPX = gradient ? d.distinctX.map((x) => digamma(p * x)) : []
  let ll = 0
  let gp = 0
  let gq = 0
  let gg = 0
  for (let i = 0; i < d.size; i++) {
    const x = d.x[i]!
    const xi = d.xIndex[i]!
    const logZ = d.logZ[i]!
    const logGXZ = Math.log(gamma + x * d.zbar[i]!)
    // (px − 1) log zbar + px log x = p · x log(x zbar) − log zbar
    ll += lg[xi]! + q * logGamma + p * d.xLogXZ[i]! - logZ - (p * x + q) * logGXZ
    if (gradient) {
      gp += d.xLogXZ[i]! + x * (psiPXQ[xi]! - psiPX[xi]! - logGXZ)
      gq += psiPXQ[xi]! - psiQ + logGamma - logGXZ
      gg += q / gamma - (p * x + q) / (gamma + x * d.zbar[i]!)
    }
  }
  if (gradient) {
    gradient[0] = gp * p
    gradient[1] = gq * q
    gradient[2] = gg * gamma
  }
  return ll
}

export function fitGammaGamma(data: readonly SpendSummary[] | SpendData): GammaGammaFit {
  const usable = (data instanceof SpendData ? data : SpendData.of(data)).usable()
  if (usable.size === 0) throw new RangeError('no repeat buyers with spend to fit')
  const n = usable.size
  const meanZ = usable.zbar.reduce((s, z) => s + z, 0) / n
  const objective = (phi: number[], grad: number[]) => {
    if (phi.some((v) => v > 30 || v < -30)) return Infinity
    const params = { p: Math.exp(phi[0]!), q: Math.exp(phi[1]!), gamma: Math.exp(phi[2]!) }
    const ll = gammaGammaLogLikelihood(params, usable, grad)
    for (let i = 0; i < 3; i++) grad[i] = -grad[i]! / n
    return -ll / n
  }
  const result = minimizeLbfgs(objective, [Math.log(2), Math.log(3), Math.log(meanZ)], { gradientTolerance: 1e-9, valueTolerance: 1e-13 })
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
