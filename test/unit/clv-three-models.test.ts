import { describe, expect, it } from 'vitest'
import { SummaryGroups } from '../../src/domain/clv/bgnbd.ts'
import { fitModel, modelExpectedPurchases, modelKinds, modelLogLikelihood, modelPAlive, type ModelKind } from '../../src/domain/clv/models.ts'
import { hasCdnow, readCdnowSummary } from '../helpers/cdnow.ts'
import { simulateBgNbd, simulateHistories, simulateMbgNbd, simulateParetoNbd } from '../helpers/simulate.ts'
import { analyseHistories } from '../../src/domain/analysis.ts'

const within = (actual: number, expected: number, relative: number) => expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(relative)

describe('the three purchase models', () => {
  it.skipIf(!hasCdnow)('Pareto/NBD reproduces the published CDNOW fit (Fader, Hardie & Lee 2005: r 0.553, α 10.578, s 0.606, β 11.669, LL −9595.0)', () => {
    const fit = fitModel('paretoNbd', readCdnowSummary())
    within(fit.params.r!, 0.553, 0.005)
    within(fit.params.alpha!, 10.578, 0.005)
    within(fit.params.s!, 0.606, 0.005)
    within(fit.params.beta!, 11.669, 0.005)
    expect(Math.abs(fit.logLikelihood - -9595.0)).toBeLessThan(0.1)
    expect(fit.penalised).toBe(false)
  })

  it.skipIf(!hasCdnow)('MBG/NBD on CDNOW matches lifetimes’ ModifiedBetaGeoFitter (r 0.525, α 6.183, a 0.891, b 1.614)', () => {
    const fit = fitModel('mbgnbd', readCdnowSummary())
    within(fit.params.r!, 0.525, 0.005)
    within(fit.params.alpha!, 6.183, 0.005)
    within(fit.params.a!, 0.891, 0.005)
    within(fit.params.b!, 1.614, 0.005)
  })

  const sample = new SummaryGroups(simulateBgNbd({ r: 0.25, alpha: 4.4, a: 0.8, b: 2.4 }, { p: 6, q: 4, gamma: 15 }, 500, 3))
  const points: Record<ModelKind, Record<string, number>[]> = {
    bgnbd: [{ r: 0.3, alpha: 5, a: 0.9, b: 2.1 }],
    mbgnbd: [{ r: 0.3, alpha: 5, a: 0.9, b: 2.1 }],
    // α below and above β: the two branches of the likelihood.
    // α below and above β (the two branches), and lopsided (the integral instead of the series).
    paretoNbd: [{ r: 0.5, alpha: 9, s: 0.6, beta: 12 }, { r: 0.5, alpha: 14, s: 0.8, beta: 6 }, { r: 0.7, alpha: 0.4, s: 1.3, beta: 60 }, { r: 0.7, alpha: 80, s: 0.9, beta: 0.3 }],
  }
  for (const kind of modelKinds) {
    it(`${kind}: the gradient matches finite differences`, () => {
      for (const p of points[kind]) {
        const grad = [0, 0, 0, 0]
        modelLogLikelihood(kind, p, sample, grad)
        Object.keys(p).forEach((k, i) => {
          const h = 1e-6
          const up = modelLogLikelihood(kind, { ...p, [k]: p[k]! * Math.exp(h) }, sample)
          const down = modelLogLikelihood(kind, { ...p, [k]: p[k]! * Math.exp(-h) }, sample)
          within(grad[i]!, (up - down) / (2 * h), 1e-5)
        })
      }
    })
  }

  it('each model recovers known parameters from customers it generated (the self-contained twin of CDNOW)', () => {
    const mbg = { r: 0.6, alpha: 5, a: 0.7, b: 2.5 }
    const fitM = fitModel('mbgnbd', simulateMbgNbd(mbg, 20_000, 5))
    within(fitM.params.r!, mbg.r, 0.1)
    within(fitM.params.alpha!, mbg.alpha, 0.12)
    within(fitM.params.a!, mbg.a, 0.3)
    within(fitM.params.b!, mbg.b, 0.35)
    const pareto = { r: 0.55, alpha: 10, s: 0.6, beta: 12 }
    const fitP = fitModel('paretoNbd', simulateParetoNbd(pareto, 20_000, 7))
    within(fitP.params.r!, pareto.r, 0.1)
    within(fitP.params.alpha!, pareto.alpha, 0.15)
    within(fitP.params.s!, pareto.s, 0.3)
    within(fitP.params.beta!, pareto.beta, 0.4)
    // Predictions, what managers use, are far steadier than the parameters themselves.
    const c = { x: 3, tx: 25, T: 35 }
    within(modelExpectedPurchases(fitP, c, 39), modelExpectedPurchases({ kind: 'paretoNbd', params: pareto }, c, 39), 0.05)
    within(modelExpectedPurchases(fitM, c, 39), modelExpectedPurchases({ kind: 'mbgnbd', params: mbg }, c, 39), 0.05)
  })

  it('MBG/NBD and Pareto/NBD give a one-time buyer a P(alive) below 1 that falls with time; BG/NBD says 1', () => {
    const fits = Object.fromEntries(modelKinds.map((k) => [k, fitModel(k, sample)])) as Record<ModelKind, ReturnType<typeof fitModel>>
    // One purchase 10 weeks ago, and one 130 weeks (two and a half years) ago.
    const recent = { x: 0, tx: 0, T: 10 }
    const old = { x: 0, tx: 0, T: 130 }
    expect(modelPAlive(fits.bgnbd, old)).toBe(1)
    for (const k of ['mbgnbd', 'paretoNbd'] as const) {
      expect(modelPAlive(fits[k], recent)).toBeLessThan(1)
      expect(modelPAlive(fits[k], old)).toBeLessThan(modelPAlive(fits[k], recent))
      expect(modelPAlive(fits[k], old)).toBeLessThan(0.5)
    }
  })

  it('stays finite on degenerate data and says the fit is unreliable', () => {
    // 311 customers who each bought every 30 days for two years: no heterogeneity, no dropout.
    const clockwork = Array.from({ length: 311 }, (_, i) => ({ x: 24, tx: (24 * 30) / 7, T: (24 * 30 + (i % 30)) / 7 }))
    // Everyone bought once, on the same day.
    const oneDay = Array.from({ length: 200 }, () => ({ x: 0, tx: 0, T: 20 }))
    // Very few repeat buyers.
    const fewRepeat = [...Array.from({ length: 300 }, (_, i) => ({ x: 0, tx: 0, T: 10 + (i % 40) })), { x: 1, tx: 3, T: 30 }, { x: 2, tx: 8, T: 40 }]
    for (const data of [clockwork, oneDay, fewRepeat]) {
      for (const kind of modelKinds) {
        const fit = fitModel(kind, data)
        for (const v of Object.values(fit.params)) {
          expect(Number.isFinite(v)).toBe(true)
          expect(v).toBeGreaterThan(1e-6)
          expect(v).toBeLessThan(1e6)
        }
        const p = modelPAlive(fit, data[0]!)
        expect(p).toBeGreaterThanOrEqual(0)
        expect(p).toBeLessThanOrEqual(1)
      }
      // At least one of the models had to be held back on each of these.
      expect(modelKinds.some((k) => fitModel(k, data).penalised)).toBe(true)
    }
    // The analysis says so, in words, and decides by the lapse status when no model can be trusted.
    const end = Date.parse('2026-06-30') / 86_400_000
    const everyThirtyDays = Array.from({ length: 311 }, (_, i) => {
      const days = Array.from({ length: 25 }, (_, k) => end - 1 - (i % 30) - (24 - k) * 30)
      const iso = (day: number) => new Date(day * 86_400_000).toISOString()
      return { customerId: i + 1, orders: 25, purchaseDays: days, dayValues: days.map(() => 3000), spendCents: 75_000, firstOrderAt: iso(days[0]!), lastOrderAt: iso(days.at(-1)!), favouriteItems: [] }
    })
    const { summary, customers } = analyseHistories(everyThirtyDays, end)
    expect(summary.models.notes.some((n) => typeof n !== 'string' && n.key === 'note.unreliableFit')).toBe(true)
    // The example (311 customers, each every 30 days): no model can be trusted, so none decides.
    expect(summary.models.chosen).toBeNull()
    expect(summary.models.notes.some((n) => typeof n !== 'string' && n.key === 'note.noReliableModel')).toBe(true)
    expect(customers.every((c) => c.pAlive === null && c.lapseStatus === 'active')).toBe(true)
    for (const k of modelKinds) for (const v of Object.values(summary.models[k] ?? {})) if (typeof v === 'number') expect(Number.isFinite(v)).toBe(true)
  })
})

describe('the model choice', () => {
  const end = Date.parse('2026-06-30') / 86_400_000
  const generators = [
    ['bgnbd', { r: 2, alpha: 4, a: 1, b: 4 }],
    ['mbgnbd', { r: 2, alpha: 4, a: 2, b: 6 }],
    ['paretoNbd', { r: 2, alpha: 4, s: 2, beta: 40 }],
  ] as const
  for (const [kind, params] of generators) {
    it(`picks ${kind} for customers that ${kind} generated, by the shop's own back-test`, () => {
      for (const seed of [1, 2]) {
        const { summary } = analyseHistories(simulateHistories(kind, params, 8000, seed, end, 700), end)
        expect(summary.models).toMatchObject({ chosen: kind, chosenBy: 'backtest' })
        const errors = summary.models.backtest!.meanAbsoluteError
        for (const other of modelKinds) if (other !== kind) expect(errors[kind]).toBeLessThan(errors[other])
      }
    }, 30_000)
  }

  it('falls back to the highest likelihood when the history is too short to test', () => {
    const { summary } = analyseHistories(simulateHistories('mbgnbd', { r: 2, alpha: 4, a: 2, b: 6 }, 3000, 4, end, 80), end)
    expect(summary.models.chosenBy).toBe('likelihood')
    const best = modelKinds.reduce((b, k) => (summary.models[k]!.logLikelihood > summary.models[b]!.logLikelihood ? k : b))
    expect(summary.models.chosen).toBe(best)
  })
})
