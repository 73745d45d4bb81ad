import { describe, expect, it } from 'vitest'
import { ces, csat, lift, meanDifference, newcombeDifference, nps, wilson, type MemberOutcome } from '../../src/domain/winback.ts'

describe('win-back statistics', () => {
  it('computes NPS, CSAT and CES as hand-computed', () => {
    // 3 promoters, 2 passives, 5 detractors of 10: (3 − 5) / 10 = −20.
    expect(nps([10, 9, 9, 8, 7, 6, 5, 3, 0, 1])).toBeCloseTo(-20, 10)
    expect(nps([10, 10])).toBe(100)
    expect(nps([])).toBeNull()
    // 4 and 5 are satisfied: 3 of 5 = 60 %.
    expect(csat([5, 4, 4, 3, 1])).toBeCloseTo(60, 10)
    expect(ces([7, 6, 2, 5])).toBe(5)
  })

  it('gives Wilson intervals as published (Newcombe 1998, table I: 81/263 → 0.2553 to 0.3662)', () => {
    const w = wilson(81, 263)
    expect(w.lower).toBeCloseTo(0.2553, 4)
    expect(w.upper).toBeCloseTo(0.3662, 4)
  })

  // The issue quotes the difference as 0.1750; 56/70 − 48/80 is 0.8 − 0.6 = 0.2000, as in the paper; the interval is the paper's.
  it("reproduces Newcombe's published example: 56/70 against 48/80 → 0.2000 (0.0524 to 0.3339)", () => {
    const d = newcombeDifference(56, 70, 48, 80)
    expect(d.difference).toBeCloseTo(0.2, 4)
    expect(d.lower).toBeCloseTo(0.0524, 4)
    expect(d.upper).toBeCloseTo(0.3339, 4)
  })

  it('keeps a small-count interval inside [−1, 1] and around the difference (Newcombe: 9/10 against 3/10 → 0.6, 0.1705 to 0.8090)', () => {
    const d = newcombeDifference(9, 10, 3, 10)
    expect(d.difference).toBeCloseTo(0.6, 10)
    expect(d.lower).toBeCloseTo(0.1705, 3)
    expect(d.upper).toBeCloseTo(0.809, 3)
    // Newcombe's small-count example (table II, e): 5/56 against 0/29 → 0.0893 (−0.0381 to 0.1926).
    const small = newcombeDifference(5, 56, 0, 29)
    expect(small.difference).toBeCloseTo(0.0893, 4)
    expect(small.lower).toBeCloseTo(-0.0381, 4)
    expect(small.upper).toBeCloseTo(0.1926, 4)
    const zero = newcombeDifference(0, 12, 0, 15)
    expect(zero.lower).toBeLessThan(0)
    expect(zero.upper).toBeGreaterThan(0)
  })

  it('bootstraps small groups with a seed (the same every time) and uses Welch for large ones', () => {
    const a = [0, 0, 0, 5000, 0, 2500, 0, 0, 9900, 0]
    const b = [0, 0, 0, 0, 1200, 0, 0, 0, 0, 0]
    const one = meanDifference(a, b, { seed: 's' })
    expect(one.method).toBe('bootstrap')
    expect(one.difference).toBeCloseTo(1620, 6)
    expect(meanDifference(a, b, { seed: 's' })).toEqual(one)
    expect(one.lower).toBeLessThan(one.difference)
    expect(one.upper).toBeGreaterThan(one.difference)
    const big = meanDifference(Array.from({ length: 2000 }, (_, i) => i % 10), Array.from({ length: 2000 }, (_, i) => i % 8), {})
    expect(big.method).toBe('welch')
    expect(big.difference).toBeCloseTo(1, 6)
  })

  it('says "not enough data" below the minimum instead of a number', () => {
    const m = (holdout: boolean, reactivated: boolean): MemberOutcome => ({ holdout, reactivated, revenueCents: reactivated ? 3000 : 0, incentiveCents: 0, offered: !holdout })
    const small = lift([...Array.from({ length: 20 }, () => m(false, true)), ...Array.from({ length: 5 }, () => m(true, false))], 'x')
    expect(small.enough).toBe(false)
    expect(small.rateDifference).toBeNull()
    const members = [...Array.from({ length: 60 }, (_, i) => m(false, i < 15)), ...Array.from({ length: 40 }, (_, i) => m(true, i < 4))]
    const l = lift(members, 'x')
    expect(l.enough).toBe(true)
    expect(l.rateMailed).toBeCloseTo(0.25, 10)
    expect(l.rateHoldout).toBeCloseTo(0.1, 10)
    expect(l.rateDifference!.difference).toBeCloseTo(0.15, 10)
    expect(l.hitRate).toBeCloseTo(0.25, 10)
    expect(l.revenueDifference!.difference).toBeCloseTo(750 - 300, 6)
    expect(l.gainedCents).toBe(450 * 60)
  })
})
