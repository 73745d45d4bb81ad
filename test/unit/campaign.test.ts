import { describe, expect, it } from 'vitest'
import { allowedActions, describeIncentive, fillTemplate, inSendWindow, nextSendTime, nextStatus } from '../../src/domain/campaign.ts'
import { defaultForm, optionsFromForm } from '../../src/services/campaign-form.ts'

describe('campaign states', () => {
  it('allows only the changes of the one table', () => {
    expect(nextStatus('draft', 'start')).toBe('sending')
    expect(nextStatus('draft', 'schedule')).toBe('scheduled')
    expect(nextStatus('sending', 'pause')).toBe('paused')
    expect(nextStatus('paused', 'resume')).toBe('sending')
    expect(nextStatus('sending', 'complete')).toBe('completed')
    expect(() => nextStatus('completed', 'resume')).toThrow('A completed campaign cannot be resumed.')
    expect(() => nextStatus('draft', 'pause')).toThrow('A draft campaign cannot be paused.')
    expect(allowedActions('cancelled')).toEqual([])
  })
})

describe('send window', () => {
  const window = { sendDays: [1, 2, 3, 4, 5], sendFrom: '09:00', sendTo: '18:00', timeZone: 'Europe/Berlin' }
  it('reads the hours in the campaign’s time zone', () => {
    // Tuesday 2026-11-24 08:30 UTC is 09:30 in Berlin (UTC+1): inside.
    expect(inSendWindow(new Date('2026-11-24T08:30:00Z'), window)).toBe(true)
    // 07:30 UTC is 08:30 in Berlin: too early.
    expect(inSendWindow(new Date('2026-11-24T07:30:00Z'), window)).toBe(false)
    // Saturday: never.
    expect(inSendWindow(new Date('2026-11-28T10:00:00Z'), window)).toBe(false)
  })

  it('finds the next opening', () => {
    // Friday 18:30 Berlin → Monday 09:00 Berlin = 08:00 UTC.
    expect(nextSendTime(new Date('2026-11-27T17:30:00Z'), window).toISOString()).toBe('2026-11-30T08:00:00.000Z')
    // A window of one minute is found exactly, not skipped by a coarse search.
    const minute = { sendDays: [5], sendFrom: '03:00', sendTo: '03:01', timeZone: 'UTC' }
    expect(nextSendTime(new Date('2026-11-26T07:03:00Z'), minute).toISOString()).toBe('2026-11-27T03:00:00.000Z')
    // Across the switch to summer time in Berlin (29 March 2026): 09:00 local is 07:00 UTC.
    expect(nextSendTime(new Date('2026-03-28T18:00:00Z'), { sendDays: [1, 2, 3, 4, 5, 6, 7], sendFrom: '09:00', sendTo: '18:00', timeZone: 'Europe/Berlin' }).toISOString()).toBe('2026-03-29T07:00:00.000Z')
  })
})

describe('campaign texts', () => {
  it('fills the placeholders and names the incentive in the customer’s language', () => {
    expect(fillTemplate('{first_name}, {company} misses you ({unknown})', { first_name: 'Ada', company: 'Shop' })).toBe('Ada, Shop misses you ({unknown})')
    const money = (c: number, cur: string) => `${(c / 100).toFixed(2)} ${cur}`
    expect(describeIncentive({ kind: 'coupon', percent: 10, currency: 'EUR', minOrderCents: 0, validDays: 30, prefix: 'CB' }, 'de', money)).toBe('einen Gutschein über 10 %')
    expect(describeIncentive({ kind: 'coupon', percent: 10, currency: 'EUR', minOrderCents: 0, validDays: 30, prefix: 'CB' }, 'en', money)).toBe('a coupon worth 10%')
    expect(describeIncentive({ kind: 'points', points: 200 }, 'de', money)).toBe('200 Treuepunkte')
  })

  it('reads the builder form into options: arms with their prefix, money in cents, shares as fractions', () => {
    const o = optionsFromForm({ ...defaultForm(), name: 'X', arm_kind_1: 'amount', arm_value_1: '5,50', arm_min_1: '30', arm_prefix_1: 'wb', arm_kind_2: 'points', arm_value_2: '300', target_max_alive: '40', target_min_clv: '12.5' }, 1)
    expect(o.incentives).toEqual([
      { kind: 'coupon', percent: 10, currency: 'EUR', minOrderCents: 0, validDays: 30, prefix: 'CB' },
      { kind: 'coupon', amountCents: 550, currency: 'EUR', minOrderCents: 3000, validDays: 30, prefix: 'WB' },
      { kind: 'points', points: 300 },
    ])
    expect(o.target).toMatchObject({ status: 'lapsed', maxPAlive: 0.4, minClvCents: 1250 })
    expect(o.reminderDays).toEqual([4, 7])
  })
})
