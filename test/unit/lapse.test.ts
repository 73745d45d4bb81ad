import { describe, expect, it } from 'vitest'
import { translator } from '../../src/locales/index.ts'
import { describeRhythm, earlyWarning, lapseStatus, typicalGap } from '../../src/domain/lapse.ts'
import { quintileScorer } from '../../src/domain/stats.ts'

describe('lapse rules', () => {
  it("measures each customer against their own rhythm", () => {
    expect(typicalGap([0, 30, 58, 92])).toBe(30)
    expect(typicalGap([100])).toBeNull()
    // Buys every 30 days: 40 days is fine, 50 at risk, 70 lapsed, 130 lost.
    expect(lapseStatus(40, 30)).toBe('active')
    expect(lapseStatus(50, 30)).toBe('at_risk')
    expect(lapseStatus(70, 30)).toBe('lapsed')
    expect(lapseStatus(130, 30)).toBe('lost')
    // A customer who buys twice a year is not lapsed after 200 days.
    expect(lapseStatus(200, 180)).toBe('active')
    // Whatever the rhythm, 730 days without an order is lost.
    expect(lapseStatus(731, 400)).toBe('lost')
  })

  it('uses the thresholds from the settings', () => {
    const strict = { atRisk: 1.2, lapsed: 1.5, lost: 3, lostAfterDays: 365 }
    expect(lapseStatus(40, 30, strict)).toBe('at_risk')
    expect(lapseStatus(400, 300, strict)).toBe('lost')
  })

  it('warns early when an active customer buys less often or spends less', () => {
    const days = [0, 20, 40, 60, 80, 100]
    expect(earlyWarning(days, [50, 50, 50, 50, 50, 50])).toBeNull()
    expect(earlyWarning([0, 20, 40, 60, 110, 170], [50, 50, 50, 50, 50, 50])).toBe('frequency')
    expect(earlyWarning(days, [50, 50, 50, 50, 20, 20])).toBe('basket')
    expect(earlyWarning([0, 20, 40, 60, 110, 170], [50, 50, 50, 50, 20, 20])).toBe('frequency_and_basket')
    expect(earlyWarning([0, 20, 40], [50, 50, 10])).toBeNull()
  })

  it('explains the status in plain language', () => {
    expect(describeRhythm({ typicalGapDays: 41, gapBasis: 'own', daysSinceLast: 130, lapseStatus: 'lost' }, translator('en'))).toBe('Usually buys every 41 days; last order 130 days ago: lost.')
    expect(describeRhythm({ typicalGapDays: 60, gapBasis: 'population', daysSinceLast: 1, lapseStatus: 'active' }, translator('en'))).toBe(
      'Bought once; customers typically buy again within 60 days; last order 1 day ago: active.',
    )
    expect(describeRhythm({ typicalGapDays: 41, gapBasis: 'own', daysSinceLast: 130, lapseStatus: 'lost' }, translator('de'))).toBe(
      'Kauft meist alle 41 Tage; letzte Bestellung vor 130 Tagen: verloren.',
    )
  })
})

describe('RFM quintiles', () => {
  it('scores 1–5 by value, ties alike, recency reversed', () => {
    const values = Array.from({ length: 100 }, (_, i) => i)
    const score = quintileScorer(values)
    expect([0, 19, 20, 50, 99].map(score)).toEqual([1, 1, 2, 3, 5])
    const recency = quintileScorer(values, false)
    expect(recency(0)).toBe(5)
    expect(recency(99)).toBe(1)
    const ties = quintileScorer([1, 1, 1, 1, 1, 1, 1, 2, 5, 9])
    expect(ties(1)).toBe(1)
    expect(ties(9)).toBe(5)
  })
})
