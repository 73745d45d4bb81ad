import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { MailSender } from '../../src/jobs/sender.ts'
import { createMailTransport } from '../../src/mail/transport.ts'
import { changeCampaignState } from '../../src/services/campaigns.ts'
import { changeConsent } from '../../src/services/consent.ts'
import { afterComeback } from '../../src/services/dashboard.ts'
import { enrolFollowUps } from '../../src/services/follow-ups.ts'
import { tempDatabase, testConfig } from '../helpers/build-app.ts'
import { testCampaign } from '../helpers/campaigns.ts'
import { importText } from '../helpers/factories.ts'
import { quietLogger } from '../helpers/logger.ts'
import { startSmtpServer, useSmtpServer } from '../helpers/smtp.ts'
import { answer } from '../helpers/survey.ts'

const DAY = 86_400_000
const iso = (ms: number) => new Date(ms).toISOString()

/**
 * The follow-up check after a comeback (SPEC §8): a won-back customer is asked once, a set number
 * of days after the first new order, through a real SMTP server; never anyone who objected.
 */
describe('the follow-up check after a comeback', () => {
  const mailServer = useSmtpServer()
  let t: ReturnType<typeof tempDatabase>
  let sender: MailSender
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>
  const now = Date.now()
  const t0 = now - 30 * DAY
  beforeEach(async () => {
    smtp = mailServer.server
    t = tempDatabase()
    const config = testConfig(t.file, { SMTP_URL: smtp.url, BASE_URL: 'https://shop.example.com' })
    sender = new MailSender(t.db, config, createMailTransport(config), quietLogger)
    await importText(
      t.db,
      'customers',
      ['customer_id,email,first_name,locale,email_consent', 'A1,anna@example.com,Anna,de,granted', 'B1,ben@example.com,Ben,en,granted', 'C1,carl@example.com,Carl,de,granted', 'D1,dora@example.com,Dora,de,granted', 'E1,emil@example.com,Emil,de,granted'].join('\n'),
    )
  })
  afterEach(async () => {
    await sender.stop()
    t.cleanup()
  })
  const to = () => smtp.received.map((m) => m.envelopeTo[0]).sort()
  const orders = (rows: [string, string, number][]) =>
    importText(t.db, 'orders', ['order_id,customer_id,ordered_at,total,currency,status', ...rows.map(([id, customer, at]) => `${id},${customer},${iso(at)},40.00,EUR,completed`)].join('\n'))

  it('asks each won-back customer once, after the set days, in their language, and nobody who objected', async () => {
    const campaign = testCampaign(t.db, { name: 'Spring', followUpDays: 14, quietDays: 0, reminders: 0 })
    changeCampaignState(t.db, campaign.id, 'start', 'test', { now: new Date(t0) })
    await sender.runOnce(() => new Date(t0))
    expect(to()).toHaveLength(5)
    smtp.received.length = 0
    // Anna, Ben and Carl came back 17 to 19 days ago; Dora only 5 days ago. Carl objected since.
    // Emil came back 28 days ago: his check is more than a week overdue (a server down), and asks no more.
    await orders([['O-A', 'A1', t0 + 12 * DAY], ['O-B', 'B1', t0 + 13 * DAY], ['O-C', 'C1', t0 + 11 * DAY], ['O-D', 'D1', now - 5 * DAY], ['O-E', 'E1', t0 + 2 * DAY]])
    const carl = (t.db.$client.prepare("SELECT id FROM customers WHERE external_id = 'C1'").get() as { id: number }).id
    changeConsent(t.db, { customerId: carl, channel: 'email', status: 'objected', source: 'test', actor: 'test' })

    expect(enrolFollowUps(t.db, new Date(now))).toBe(2)
    await sender.runOnce(() => new Date(now))
    expect(to()).toEqual(['anna@example.com', 'ben@example.com'])
    const anna = smtp.received.find((m) => m.envelopeTo[0] === 'anna@example.com')!
    const ben = smtp.received.find((m) => m.envelopeTo[0] === 'ben@example.com')!
    expect(anna.subject).toBe('Anna, wie war Ihre Bestellung?')
    expect(ben.subject).toBe('Ben, how was your order?')
    // No incentive: the check thanks nobody with a coupon.
    expect(anna.text).not.toMatch(/Gutschein|coupon/i)
    expect(anna.raw).toMatch(/^List-Unsubscribe:\s+<https:\/\/shop\.example\.com\/u\//m)

    // Asked again: nobody new, nothing sent twice.
    expect(enrolFollowUps(t.db, new Date(now))).toBe(0)
    smtp.received.length = 0
    await sender.runOnce(() => new Date(now))
    expect(to()).toEqual([])

    // Ten days on, Dora's comeback is 15 days old: her turn; still nobody else.
    expect(enrolFollowUps(t.db, new Date(now + 10 * DAY))).toBe(1)
    await sender.runOnce(() => new Date(now + 10 * DAY))
    expect(to()).toEqual(['dora@example.com'])

    // The link opens the short check; answering it grants nothing and counts "after the comeback" only.
    const token = /https:\/\/shop\.example\.com\/s\/([A-Za-z0-9_-]+)/.exec(anna.text!)![1]!
    const app = await buildApp({ config: testConfig(t.file), db: t.db })
    try {
      const page = await app.inject({ url: `/s/${token}` })
      expect(page.statusCode).toBe(200)
      expect(page.body).toContain('Wie zufrieden sind Sie mit Ihrer letzten Bestellung?')
      await answer(app, token, 'csat', { q: '5' })
      await answer(app, token, 'ces', { q: '6' })
      const done = await answer(app, token, 'improve', { q: 'Schneller liefern' })
      expect(done.statusCode).toBeLessThan(400)
    } finally {
      await app.close()
    }
    expect(t.db.$client.prepare('SELECT count(*) AS n FROM rewards').get()).toEqual({ n: 0 })
    expect(afterComeback(t.db, { campaignId: campaign.id })).toMatchObject({ asked: 3, answered: 1, csat: { value: 100, answers: 1 }, ces: { value: 6, answers: 1 } })
    expect(afterComeback(t.db, { campaignId: campaign.id + 100 })).toMatchObject({ asked: 0, answered: 0 })
  })

  it('asks once per comeback: an order that counts for two campaigns brings one check', async () => {
    const first = testCampaign(t.db, { name: 'First', followUpDays: 14, quietDays: 0, reminders: 0 })
    changeCampaignState(t.db, first.id, 'start', 'test', { now: new Date(t0) })
    await sender.runOnce(() => new Date(t0))
    const second = testCampaign(t.db, { name: 'Second', followUpDays: 14, quietDays: 0, reminders: 0 })
    changeCampaignState(t.db, second.id, 'start', 'test', { now: new Date(t0 + DAY) })
    await sender.runOnce(() => new Date(t0 + DAY))
    smtp.received.length = 0
    await orders([['O-A', 'A1', t0 + 12 * DAY]])
    expect(enrolFollowUps(t.db, new Date(now))).toBe(1)
    await sender.runOnce(() => new Date(now))
    expect(to()).toEqual(['anna@example.com'])
    // A cancelled campaign's check asks nobody more.
    const third = testCampaign(t.db, { name: 'Third', followUpDays: 14 })
    changeCampaignState(t.db, third.id, 'start', 'test', { now: new Date(now) })
    changeCampaignState(t.db, third.id, 'cancel', 'test', { now: new Date(now) })
    expect(t.db.$client.prepare("SELECT status FROM campaigns WHERE kind = 'followup' AND parent_id = ?").get(third.id)).toEqual({ status: 'cancelled' })
  })

  it('has no check when the campaign asks for none (0 days)', async () => {
    const campaign = testCampaign(t.db, { name: 'No check', followUpDays: 0 })
    changeCampaignState(t.db, campaign.id, 'start', 'test', { now: new Date(t0) })
    expect(t.db.$client.prepare("SELECT count(*) AS n FROM campaigns WHERE kind = 'followup'").get()).toEqual({ n: 0 })
  })
})
