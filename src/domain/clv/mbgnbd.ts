import { expectedPurchasesIfAlive as bgExpectedIfAlive, SummaryGroups, type BgNbdParams, type PurchaseSummary } from './bgnbd.ts'
import { digamma, gammaln, logAddExp } from './special.ts'

/**
 * The MBG/NBD model of Batislam, Denizel & Filiztekin (2007): BG/NBD, except that a customer may
 * drop out at every purchase including the first one (at time 0). So a one-time buyer is not
 * certainly alive, and the longer the silence, the less likely (in BG/NBD P(alive) = 1 for x = 0).
 * Same parameters as BG/NBD: λ ~ Gamma(r, α), p ~ Beta(a, b); times in one unit.
 */

/**
 * Log-likelihood and its gradient with respect to (log r, log α, log a, log b):
 * L = B(a, b+x+1)/B(a, b) · Γ(r+x) α^r / Γ(r) · [(α+T)^−(r+x) + a/(b+x) · (α+t_x)^−(r+x)].
 */
export function mbgnbdLogLikelihood(params: BgNbdParams, data: SummaryGroups, gradient?: number[]): number {
  const { r, alpha, a, b } = params
  const nx = data.distinctX.length
  const lgX = new Float64Array(nx)
  const dR = new Float64Array(nx)
  const dA = new Float64Array(nx)
  const dB = new Float64Array(nx)
  const logBx = new Float64Array(nx)
  const lgAB = gammaln(a + b)
  const lgR = gammaln(r)
  const lgB = gammaln(b)
  const psiR = digamma(r)
  const psiAB = digamma(a + b)
  const psiB = digamma(b)
  for (let i = 0; i < nx; i++) {
    const x = data.distinctX[i]!
    lgX[i] = gammaln(r + x) - lgR + lgAB + gammaln(b + x + 1) - lgB - gammaln(a + b + x + 1)
    if (gradient) {
      const psiABX = digamma(a + b + x + 1)
      dR[i] = digamma(r + x) - psiR
      dA[i] = psiAB - psiABX
      dB[i] = psiAB + digamma(b + x + 1) - psiB - psiABX
    }
    logBx[i] = Math.log(b + x)
  }
  const logAlpha = Math.log(alpha)
  const logA = Math.log(a)
  let ll = 0
  let gr = 0
  let gAlpha = 0
  let ga = 0
  let gb = 0
  for (let j = 0; j < data.size; j++) {
    const xi = data.xIndex[j]!
    const x = data.x[j]!
    const n = data.count[j]!
    const T = data.T[j]!
    const tx = data.tx[j]!
    const logAT = Math.log(alpha + T)
    const logAtx = Math.log(alpha + tx)
    const a3 = -(r + x) * logAT
    const a4 = logA - logBx[xi]! - (r + x) * logAtx
    const logTail = logAddExp(a3, a4)
    ll += n * (lgX[xi]! + r * logAlpha + logTail)
    if (gradient) {
      const w4 = Math.exp(a4 - logTail)
      const w3 = 1 - w4
      gr += n * (dR[xi]! + logAlpha - w3 * logAT - w4 * logAtx)
      gAlpha += n * (r / alpha - (r + x) * (w3 / (alpha + T) + w4 / (alpha + tx)))
      ga += n * (dA[xi]! + w4 / a)
      gb += n * (dB[xi]! - w4 / (b + x))
    }
  }
  if (gradient) {
    gradient[0] = gr * r
    gradient[1] = gAlpha * alpha
    gradient[2] = ga * a
    gradient[3] = gb * b
  }
  return ll
}

/** P(alive at T | x, t_x, T) = 1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x)); below 1 for one-time buyers too. */
export function mbgnbdPAlive(p: BgNbdParams, c: PurchaseSummary): number {
  const logRatio = Math.log(p.a) - Math.log(p.b + c.x) + (p.r + c.x) * (Math.log(p.alpha + c.T) - Math.log(p.alpha + c.tx))
  return 1 / (1 + Math.exp(logRatio))
}

/**
 * Expected purchases in (T, T + t] for a customer still alive: BG/NBD's expression with b + 1 for
 * b, (a+b+x)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x+1; a+b+x; t/(α+T+t))].
 */
export function mbgnbdExpectedIfAlive(p: BgNbdParams, c: PurchaseSummary, t: number): number {
  return bgExpectedIfAlive({ ...p, b: p.b + 1 }, c, t)
}
