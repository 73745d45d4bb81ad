import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import type { Db } from '../../src/db/client.ts'
import { COUPON_ALPHABET, newCouponCode, tierOf } from '../../src/domain/rewards.ts'
import { personalLinksCampaign } from '../../src/services/links.ts'
import { grantReward, redeemCoupon } from '../../src/services/rewards.ts'
import { ensureDefaultSurvey } from '../../src/services/surveys.ts'
import { rewardReport } from '../../src/repos/reward-report.ts'
import { tempDatabase } from '../helpers/build-app.ts'

/** Customers with a campaign member and a partial response each, ready for rewards. */
function seedResponses(db: Db, n: number) {
  ensureDefaultSurvey(db)
  const campaign = personalLinksCampaign(db)
  const version = (db.$client.prepare('SELECT id FROM survey_versions LIMIT 1').get() as { id: number }).id
  const out: { responseId: number; customerId: number }[] = []
  db.$client.transaction(() => {
    for (let i = 0; i < n; i++) {
      const customerId = Number(db.$client.prepare("INSERT INTO customers (external_id, locale) VALUES (?, 'de')").run(`R${i}`).lastInsertRowid)
      const memberId = Number(db.$client.prepare("INSERT INTO campaign_members (campaign_id, customer_id, expires_at) VALUES (?, ?, '2100-01-01')").run(campaign.id, customerId).lastInsertRowid)
      const responseId = Number(
        db.$client.prepare("INSERT INTO responses (member_id, customer_id, survey_version_id, locale, status, answers, started_at, updated_at) VALUES (?, ?, ?, 'de', 'complete', '{}', '2026-01-01', '2026-01-01')").run(memberId, customerId, version).lastInsertRowid,
      )
      out.push({ responseId, customerId })
    }
  })()
  return { campaignId: campaign.id, responses: out }
}

const coupon = { kind: 'coupon', percent: 10, currency: 'EUR', minOrderCents: 2000, validDays: 30, prefix: 'CB' } as const

describe('coupons', () => {
  it('makes codes easy to type: no 0/O, 1/I/L, with the prefix', () => {
    for (let i = 0; i < 200; i++) expect(newCouponCode('WB')).toMatch(new RegExp(`^WB-[${COUPON_ALPHABET}]{4}-[${COUPON_ALPHABET}]{4}$`))
    expect(COUPON_ALPHABET).not.toMatch(/[01OIL]/)
  })

  it('stays unique under 1,000 grants from four threads at once, and grants each response once', { timeout: 120_000 }, async () => {
    const t = tempDatabase()
    try {
      const { campaignId, responses } = seedResponses(t.db, 1000)
      const url = new URL('../helpers/grant-worker.ts', import.meta.url).href
      const chunks = [0, 1, 2, 3].map((k) => responses.filter((_, i) => i % 4 === k))
      const granted = await Promise.all(
        chunks.map(
          (grants) =>
            new Promise<number>((resolve, reject) => {
              const w = new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url)}) })`, {
                eval: true,
                workerData: { dbFile: t.file, campaignId, grants },
              })
              w.once('message', resolve)
              w.once('error', reject)
            }),
        ),
      )
      expect(granted.reduce((a, b) => a + b, 0)).toBe(1000)
      const stats = t.db.$client.prepare('SELECT count(*) AS n, count(DISTINCT code) AS codes FROM coupons').get()
      expect(stats).toEqual({ n: 1000, codes: 1000 })
      expect(t.db.$client.prepare('SELECT count(DISTINCT response_id) AS n FROM rewards').get()).toEqual({ n: 1000 })
      // A second grant for the same response fails in the database, not only in code.
      const again = responses[0]!
      expect(() => t.db.transaction(() => grantReward(t.db, { ...again, campaignId, incentive: coupon, now: new Date() }))).toThrow(/UNIQUE constraint failed: rewards.response_id/)
      expect(t.db.$client.prepare('SELECT count(*) AS n FROM coupons').get()).toEqual({ n: 1000 })
    } finally {
      t.cleanup()
    }
  })

  it('draws again when a code is taken', () => {
    const t = tempDatabase()
    try {
      const { campaignId, responses } = seedResponses(t.db, 2)
      const codes = ['CB-AAAA-AAAA', 'CB-AAAA-AAAA', 'CB-BBBB-BBBB']
      const next = () => codes.shift()!
      grantReward(t.db, { ...responses[0]!, campaignId, incentive: coupon, now: new Date() }, next)
      grantReward(t.db, { ...responses[1]!, campaignId, incentive: coupon, now: new Date() }, next)
      expect(t.db.$client.prepare('SELECT code FROM coupons ORDER BY id').all()).toEqual([{ code: 'CB-AAAA-AAAA' }, { code: 'CB-BBBB-BBBB' }])
    } finally {
      t.cleanup()
    }
  })

  it('redeems once, before expiry, above the minimum order', () => {
    const t = tempDatabase()
    try {
      const { campaignId, responses } = seedResponses(t.db, 2)
      const now = new Date('2026-03-01T00:00:00Z')
      grantReward(t.db, { ...responses[0]!, campaignId, incentive: coupon, now }, () => 'CB-ABCD-EFGH')
      grantReward(t.db, { ...responses[1]!, campaignId, incentive: coupon, now }, () => 'CB-HJKM-NPQR')
      const redeem = (code: string, total: number, at = '2026-03-10T00:00:00Z') => () => redeemCoupon(t.db, { code, orderTotalCents: total, order: 'O1', actor: 'test', now: new Date(at) })
      expect(redeem('cb-abcd-efgh', 1999)).toThrow('needs an order of at least 20.00 EUR')
      expect(redeem('CB-ABCD-EFGH', 2500)()).toMatchObject({ code: 'CB-ABCD-EFGH', redeemedOrder: 'O1' })
      expect(redeem('CB-ABCD-EFGH', 2500)).toThrow('was already redeemed')
      expect(redeem('CB-HJKM-NPQR', 2500, '2026-04-01T00:00:00Z')).toThrow('expired on 2026-03-31')
      expect(redeem('CB-NOPE-NOPE', 2500)).toThrow('No coupon')
      expect(t.db.$client.prepare('SELECT count(*) AS n FROM coupons WHERE redeemed_at IS NOT NULL').get()).toEqual({ n: 1 })
    } finally {
      t.cleanup()
    }
  })
})

describe('coupons redeemed by an orders import', () => {
  it('redeems each coupon once, on the first qualifying order before expiry, and reports the rest', async () => {
    const t = tempDatabase()
    try {
      const { campaignId, responses } = seedResponses(t.db, 3)
      const now = new Date('2026-03-01T00:00:00Z')
      grantReward(t.db, { ...responses[0]!, campaignId, incentive: coupon, now }, () => 'CB-AAAA-BBBB')
      grantReward(t.db, { ...responses[1]!, campaignId, incentive: coupon, now }, () => 'CB-CCCC-DDDD')
      grantReward(t.db, { ...responses[2]!, campaignId, incentive: coupon, now }, () => 'CB-EEEE-FFFF')
      const file = [
        'order_id,customer_id,ordered_at,total,coupon_code',
        // Used twice: the earlier order redeems it, the later one is refused.
        'W1,R0,2026-03-05,30.00,cb-aaaa-bbbb',
        'W2,R0,2026-03-06,30.00,CB-AAAA-BBBB',
        // Below the 20.00 minimum: refused; then after expiry: refused; the next order in time redeems it.
        'W3,R1,2026-03-05,15.00,CB-CCCC-DDDD',
        'W4,R1,2026-04-15,40.00,CB-CCCC-DDDD',
        'W7,R1,2026-03-20,22.00,CB-CCCC-DDDD',
        'W5,R2,2026-03-07,25.00,CB-EEEE-FFFF',
        'W6,R2,2026-03-08,25.00,NOT-A-COUPON',
      ].join('\n')
      expect(rewardReport(t.db, '2026-03-02T00:00:00Z')[0]).toMatchObject({ coupons: 3, redeemed: 0, open: 3, expired: 0, discountCents: 0 })
      expect(rewardReport(t.db, '2026-04-15T00:00:00Z')[0]).toMatchObject({ open: 0, expired: 3 })
      const { importText } = await import('../helpers/factories.ts')
      const r = await importText(t.db, 'orders', file)
      expect(r).toMatchObject({ imported: true, couponsRedeemed: 3, couponsRefused: 4 })
      expect(r.warnings.join(' ')).toContain('4 order(s) carry a coupon code that redeemed nothing')
      expect(t.db.$client.prepare('SELECT code, redeemed_order AS orderId FROM coupons ORDER BY code').all()).toEqual([
        { code: 'CB-AAAA-BBBB', orderId: 'W1' },
        { code: 'CB-CCCC-DDDD', orderId: 'W7' },
        { code: 'CB-EEEE-FFFF', orderId: 'W5' },
      ])
      // Managers see what the rewards cost: 10% of 30.00 + 22.00 + 25.00.
      expect(rewardReport(t.db, '2026-03-25T00:00:00Z')).toEqual([
        { campaign: 'Personal links', coupons: 3, redeemed: 3, expired: 0, open: 0, discountCents: 770, redeemedRevenueCents: 7700, pointsGranted: 0 },
      ])
      // The same file again changes nothing.
      expect(await importText(t.db, 'orders', file)).toMatchObject({ couponsRedeemed: 0, unchanged: 7 })
      expect(() => redeemCoupon(t.db, { code: 'CB-AAAA-BBBB', actor: 'test', now: new Date('2026-03-10') })).toThrow('already redeemed')
    } finally {
      t.cleanup()
    }
  })

  it('redeems the code an order already carries when a later import completes it without naming the code', async () => {
    const t = tempDatabase()
    try {
      const { campaignId, responses } = seedResponses(t.db, 1)
      grantReward(t.db, { ...responses[0]!, campaignId, incentive: coupon, now: new Date('2026-03-01T00:00:00Z') }, () => 'CB-GGGG-HHHH')
      const { importText } = await import('../helpers/factories.ts')
      // Cancelled: nothing redeemed.
      expect(await importText(t.db, 'orders', 'order_id,customer_id,ordered_at,total,coupon_code,status\nW9,R0,2026-03-05,30.00,CB-GGGG-HHHH,cancelled')).toMatchObject({ imported: true, inserted: 1, couponsRedeemed: 0 })
      // Reinstated in the shop's next export, which has the status but not the code: the order's stored code redeems.
      expect(await importText(t.db, 'orders', 'order_id,customer_id,ordered_at,total,status\nW9,R0,2026-03-05,30.00,completed')).toMatchObject({ updated: 1, couponsRedeemed: 1 })
      expect(t.db.$client.prepare('SELECT redeemed_order AS orderId FROM coupons').all()).toEqual([{ orderId: 'W9' }])
    } finally {
      t.cleanup()
    }
  })
})

describe('loyalty tiers', () => {
  it('names the tier and the distance to the next', () => {
    expect(tierOf(0)).toEqual({ tier: 'Bronze', next: { tier: 'Silver', missing: 500 } })
    expect(tierOf(1499)).toEqual({ tier: 'Silver', next: { tier: 'Gold', missing: 1 } })
    expect(tierOf(5000)).toEqual({ tier: 'VIP', next: null })
  })
})
