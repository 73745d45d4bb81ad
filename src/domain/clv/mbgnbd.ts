import { betaGeoLogLikelihood, expectedPurchasesIfAlive as bgExpectedIfAlive, type BgNbdParams, type PurchaseSummary, type SummaryGroups } from './bgnbd.ts'

/**
 * The MBG/NBD model of Batislam, Denizel & Filiztekin (2007): BG/NBD, except that a customer may
 * drop out at every purchase including the first one (at time 0). So a one-time buyer is not
 * certainly alive, and the longer the silence, the less likely (in BG/NBD P(alive) = 1 for x = 0).
 * Same parameters as BG/NBD: λ ~ Gamma(r, α), p ~ Beta(a, b); times in one unit.
 */

/** Log-likelihood and its gradient with respect to (log r, log α, log a, log b): the beta-geometric family's, dropout at the first purchase too. */
export function mbgnbdLogLikelihood(params: BgNbdParams, data: SummaryGroups, gradient?: number[]): number {
  return betaGeoLogLikelihood(params, data, gradient, 1)
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
