import { describe, expect, it } from 'vitest'
import { campaignLift } from '../../src/services/winback.ts'
import { overview } from '../../src/services/dashboard.ts'
import { useTestDatabase } from '../helpers/build-app.ts'
import { testCampaign } from '../helpers/campaigns.ts'
import { importText } from '../helpers/factories.ts'

/** A campaign built by hand, member by member, so that every funnel step and the reactivation window can be checked. */
describe('the measured win-back of a constructed campaign', () => {
  const t = useTestDatabase()

  it('counts every funnel step, and only orders inside the window after the mail', async () => {
    await importText(t.db, 'customers', 'customer_id,email,email_consent\nM1,m1@example.com,granted\nM2,m2@example.com,granted\nM3,m3@example.com,granted\nM4,m4@example.com,granted\nM5,m5@example.com,granted\n')
    const sql = t.db.$client
    const id = (ext: string) => (sql.prepare('SELECT id FROM customers WHERE external_id = ?').get(ext) as { id: number }).id
    const campaign = testCampaign(t.db, { name: 'Constructed' })
    sql.prepare("UPDATE campaigns SET status = 'sending', started_at = '2026-05-01T00:00:00.000Z' WHERE id = ?").run(campaign.id)
    const member = (ext: string, opts: { holdout?: boolean; mailed?: boolean; opened?: boolean }) =>
      Number(sql.prepare("INSERT INTO campaign_members (campaign_id, customer_id, holdout, expires_at, mails_sent, opened_at) VALUES (?, ?, ?, '2026-07-01', ?, ?)").run(campaign.id, id(ext), opts.holdout ? 1 : 0, opts.mailed ? 1 : 0, opts.opened ? '2026-05-03T08:00:00.000Z' : null).lastInsertRowid)
    const mail = (memberId: number, ext: string, status: 'sent' | 'bounced') =>
      sql.prepare("INSERT INTO messages (customer_id, campaign_id, member_id, kind, dedupe_key, to_address, locale, payload, status, attempts, sent_at, not_before) VALUES (?, ?, ?, 'invitation', ?, ?, 'de', '{}', ?, 1, '2026-05-02T10:00:00.000Z', '2026-05-02T10:00:00.000Z')").run(id(ext), campaign.id, memberId, `c:${memberId}`, `${ext}@example.com`, status)
    const version = (sql.prepare('SELECT id FROM survey_versions ORDER BY id LIMIT 1').get() as { id: number }).id
    const respond = (memberId: number, ext: string, status: 'partial' | 'complete') =>
      Number(sql.prepare("INSERT INTO responses (member_id, customer_id, survey_version_id, locale, status, answers, main_reason, started_at, updated_at, completed_at) VALUES (?, ?, ?, 'de', ?, '{}', 'price', '2026-05-03', '2026-05-03', ?)").run(memberId, id(ext), version, status, status === 'complete' ? '2026-05-03T09:00:00.000Z' : null).lastInsertRowid)
    const m1 = member('M1', { mailed: true })
    mail(m1, 'M1', 'bounced')
    const m2 = member('M2', { mailed: true, opened: true })
    mail(m2, 'M2', 'sent')
    respond(m2, 'M2', 'partial')
    const m3 = member('M3', { mailed: true, opened: true })
    mail(m3, 'M3', 'sent')
    const r3 = respond(m3, 'M3', 'complete')
    const coupon = sql.prepare("INSERT INTO coupons (code, customer_id, campaign_id, kind, value, currency, expires_at, redeemed_at, redeemed_order) VALUES ('CB-TEST-0001', ?, ?, 'amount', 500, 'EUR', '2026-08-01', '2026-05-10T12:00:00.000Z', 'R3')").run(id('M3'), campaign.id)
    sql.prepare("INSERT INTO rewards (response_id, customer_id, kind, coupon_id) VALUES (?, ?, 'coupon', ?)").run(r3, id('M3'), coupon.lastInsertRowid)
    const m4 = member('M4', { mailed: true })
    mail(m4, 'M4', 'sent')
    member('M5', { holdout: true })
    await importText(
      t.db,
      'orders',
      [
        'order_id,customer_id,ordered_at,total,coupon_code',
        // M3 comes back after the mail, redeeming the coupon.
        'R3,M3,2026-05-10T12:00:00Z,40.00,CB-TEST-0001',
        // M4: a day before the mail does not count, nor does an order after the 90-day window.
        'B4,M4,2026-05-01T10:00:00Z,25.00,',
        'L4,M4,2026-08-15T10:00:00Z,25.00,',
        // M5, held out, buys after the campaign started.
        'H5,M5,2026-06-01T10:00:00Z,30.00,',
      ].join('\n'),
    )
    const w = campaignLift(t.db, campaign.id)
    expect(w.funnel).toEqual({ targeted: 5, heldOut: 1, sent: 4, delivered: 3, bounced: 1, opened: 2, started: 2, completed: 1, rewarded: 1, redeemed: 1, boughtAgain: 2, revenueCents: 7000 })
    expect(w.holdoutFunnel).toMatchObject({ targeted: 1, heldOut: 1, boughtAgain: 1, revenueCents: 3000 })
    expect(w.arms[0]!.funnel).toMatchObject({ targeted: 4, sent: 4, boughtAgain: 1, revenueCents: 4000 })
    // Too few customers for a lift: "not enough data" rather than a number.
    expect(w.overall.enough).toBe(false)
    expect(w.overall.rateDifference).toBeNull()
    // The coupon's 5 € are the incentive cost of M3's comeback: 40 − 5 = 35 € net.
    expect(w.overall.revenueMailed).toBeCloseTo(3500 / 4, 6)
    // A window of 120 days takes in M4's late order too.
    expect(campaignLift(t.db, campaign.id, 120).funnel.boughtAgain).toBe(3)
    const o = overview(t.db)
    expect(o.wonBack).toEqual({ customers: 1, revenueCents: 4000 })
    expect(o.rate).toEqual({ mailed: 4, answered: 1 })
  })
})
