import { describe, expect, it } from 'vitest'
import { bgnbdLogLikelihood, expectedPurchases, expectedPurchasesIfAlive, fitBgNbd, pAlive, SummaryGroups } from '../../src/domain/clv/bgnbd.ts'
import { expectedAverageValue, fitGammaGamma } from '../../src/domain/clv/gamma-gamma.ts'
import { minimizeLbfgs } from '../../src/domain/clv/lbfgs.ts'
import { hyp2f1Series, logHyp2f1Series } from '../../src/domain/clv/special.ts'
import { hasCdnow, readCdnowSpend, readCdnowSummary } from '../helpers/cdnow.ts'
import { simulateBgNbd } from '../helpers/simulate.ts'

const within = (actual: number, expected: number, relative: number) => expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(relative)

describe('L-BFGS', () => {
  it('finds the minimum of the Rosenbrock function', () => {
    const result = minimizeLbfgs((v, g) => {
      const [x, y] = v as [number, number]
      g[0] = -2 * (1 - x) - 400 * x * (y - x * x)
      g[1] = 200 * (y - x * x)
      return (1 - x) ** 2 + 100 * (y - x * x) ** 2
    }, [-1.2, 1])
    expect(result.converged).toBe(true)
    expect(result.x[0]).toBeCloseTo(1, 5)
    expect(result.x[1]).toBeCloseTo(1, 5)
  })
})

describe('Gauss hypergeometric function', () => {
  it('matches closed forms', () => {
    // 2F1(1, 1; 2; z) = −ln(1 − z)/z
    for (const z of [0.1, 0.5, 0.9, 0.999]) within(Math.exp(logHyp2f1Series(1, 1, 2, z)), -Math.log(1 - z) / z, 1e-12)
    // 2F1(a, b; b; z) = (1 − z)^−a, here with a so large that the value itself overflows a double
    within(logHyp2f1Series(250.5, 3, 3, 0.95), -250.5 * Math.log(0.05), 1e-12)
    // 2F1(1/2, 1/2; 3/2; z²) = asin(z)/z
    within(hyp2f1Series(0.5, 0.5, 1.5, 0.49), Math.asin(0.7) / 0.7, 1e-14)
    // Alternating: 2F1(1, 1; 2; −w) = ln(1 + w)/w
    within(hyp2f1Series(1, 1, 2, -0.7), Math.log(1.7) / 0.7, 1e-14)
  })

  it('gives the same expected purchases on both sides of the switch between its two series', () => {
    const p = { r: 0.24, alpha: 4.4, a: 0.79, b: 2.4 }
    for (const c of [{ x: 0, tx: 0, T: 10 }, { x: 7, tx: 20, T: 30 }, { x: 60, tx: 100, T: 101 }]) {
      const edge = 0.75 * (p.alpha + c.T)
      within(expectedPurchasesIfAlive(p, c, edge * 0.999999), expectedPurchasesIfAlive(p, c, edge * 1.000001), 1e-5)
    }
  })
})

describe('BG/NBD', () => {
  it.skipIf(!hasCdnow)('reproduces the published CDNOW fit (Fader, Hardie & Lee 2005)', () => {
    const fit = fitBgNbd(readCdnowSummary())
    within(fit.params.r, 0.243, 0.01)
    within(fit.params.alpha, 4.414, 0.01)
    within(fit.params.a, 0.793, 0.01)
    within(fit.params.b, 2.426, 0.01)
    expect(Math.abs(fit.logLikelihood - -9582.4)).toBeLessThan(0.5)
    expect(fit.converged).toBe(true)
    // The paper's worked example: x = 2, t_x = 30.43, T = 38.86 → 1.226 purchases in the next 39 weeks.
    within(expectedPurchases(fit.params, { x: 2, tx: 30.43, T: 38.86 }, 39), 1.226, 0.005)
  })

  it('computes customers sharing (x, t_x, T) once, with the same likelihood as one by one', () => {
    const rows = [{ x: 2, tx: 30.43, T: 38.86 }, { x: 0, tx: 0, T: 38.86 }, { x: 0, tx: 0, T: 38.86 }, { x: 2, tx: 30.43, T: 38.86 }, { x: 5, tx: 12, T: 20 }]
    const grouped = new SummaryGroups(rows)
    expect(grouped.size).toBe(3)
    const p = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }
    const oneByOne = rows.reduce((s, r) => s + bgnbdLogLikelihood(p, new SummaryGroups([r])), 0)
    expect(bgnbdLogLikelihood(p, grouped)).toBeCloseTo(oneByOne, 9)
  })

  it('stays finite for very large x and T', () => {
    const p = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }
    const heavy = { x: 5000, tx: 9999, T: 10000 }
    expect(Number.isFinite(bgnbdLogLikelihood(p, new SummaryGroups([heavy])))).toBe(true)
    expect(pAlive(p, heavy)).toBeGreaterThan(0.99)
    const e = expectedPurchases(p, heavy, 52)
    // About half a purchase a week, as the customer's own rate says.
    expect(e).toBeGreaterThan(20)
    expect(e).toBeLessThan(30)
  })

  it('has a gradient that matches finite differences', () => {
    const data = new SummaryGroups(readCdnowLikeSample())
    const p = { r: 0.3, alpha: 5, a: 0.9, b: 2.1 }
    const grad = [0, 0, 0, 0]
    bgnbdLogLikelihood(p, data, grad)
    const keys = ['r', 'alpha', 'a', 'b'] as const
    keys.forEach((k, i) => {
      const h = 1e-6
      const up = bgnbdLogLikelihood({ ...p, [k]: p[k] * Math.exp(h) }, data)
      const down = bgnbdLogLikelihood({ ...p, [k]: p[k] * Math.exp(-h) }, data)
      within(grad[i]!, (up - down) / (2 * h), 1e-5)
    })
  })

  it('recovers known parameters from simulated customers (the self-contained twin of the CDNOW check)', () => {
    const truth = { r: 0.5, alpha: 6, a: 0.8, b: 2.5 }
    const customers = simulateBgNbd(truth, { p: 6, q: 4, gamma: 15 }, 20_000, 11)
    const fit = fitBgNbd(customers)
    within(fit.params.r, truth.r, 0.1)
    within(fit.params.alpha, truth.alpha, 0.12)
    within(fit.params.a, truth.a, 0.25)
    within(fit.params.b, truth.b, 0.3)
    // Predictions, the part managers use, are far more stable than a and b themselves.
    const c = { x: 3, tx: 25, T: 35 }
    within(expectedPurchases(fit.params, c, 39), expectedPurchases(truth, c, 39), 0.05)
  })
})

describe('Gamma-Gamma', () => {
  it.skipIf(!hasCdnow)('reproduces the published CDNOW fit on the 946 repeat buyers', () => {
    const fit = fitGammaGamma(readCdnowSpend())
    expect(fit.customers).toBe(946)
    within(fit.params.p, 6.25, 0.01)
    within(fit.params.q, 3.74, 0.01)
    within(fit.params.gamma, 15.44, 0.01)
  })

  it('recovers known parameters from simulated spend', () => {
    const truth = { p: 6, q: 4, gamma: 15 }
    const fit = fitGammaGamma(simulateBgNbd({ r: 2, alpha: 4, a: 0.8, b: 2.5 }, truth, 8000, 5))
    within(fit.params.p, truth.p, 0.15)
    within(fit.params.q, truth.q, 0.2)
    within(fit.params.gamma, truth.gamma, 0.25)
  })

  it('shrinks a customer’s own mean towards the population mean, the less so the more they bought', () => {
    const params = { p: 6.25, q: 3.74, gamma: 15.44 }
    const population = (params.p * params.gamma) / (params.q - 1)
    expect(expectedAverageValue(params, 0, 0)).toBeCloseTo(population, 9)
    const one = expectedAverageValue(params, 1, 100)
    const ten = expectedAverageValue(params, 10, 100)
    expect(one).toBeGreaterThan(population)
    expect(ten).toBeGreaterThan(one)
    expect(ten).toBeLessThan(100)
  })
})

function readCdnowLikeSample() {
  return simulateBgNbd({ r: 0.25, alpha: 4.4, a: 0.8, b: 2.4 }, { p: 6, q: 4, gamma: 15 }, 500, 3)
}
