import { generateKeyPairSync } from 'node:crypto'
import { inEnglish, type Note } from '../../src/domain/errors.ts'
import { readNote } from '../../src/domain/format.ts'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MailSender } from '../../src/jobs/sender.ts'
import { createMailTransport } from '../../src/mail/transport.ts'
import { changeCampaignState, previewCampaignTarget, startDueCampaigns } from '../../src/services/campaigns.ts'
import { changeConsent } from '../../src/services/consent.ts'
import { saveMailSettings } from '../../src/services/settings.ts'
import { tempDatabase, testConfig } from '../helpers/build-app.ts'
import { openDatabase } from '../../src/db/client.ts'
import { testCampaign } from '../helpers/campaigns.ts'
import { importText } from '../helpers/factories.ts'
import { startSmtpServer, useSmtpServer } from '../helpers/smtp.ts'
import { answerAll } from '../helpers/survey.ts'
import { buildApp } from '../../src/app.ts'
import { quietLogger } from '../helpers/logger.ts'
import { campaignProgress } from '../../src/repos/campaign-progress.ts'

const DAY = 86_400_000

describe('campaign mail through a real SMTP server', () => {
  const mailServer = useSmtpServer()
  let t: ReturnType<typeof tempDatabase>
  let sender: MailSender
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>
  beforeEach(async () => {
    smtp = mailServer.server
    t = tempDatabase()
    sender = new MailSender(t.db, testConfig(t.file, { SMTP_URL: smtp.url, BASE_URL: 'https://shop.example.com', UNSUBSCRIBE_MAILTO: 'unsubscribe@shop.example.com' }), createMailTransport(testConfig(t.file, { SMTP_URL: smtp.url })), quietLogger)
    await importText(
      t.db,
      'customers',
      [
        'customer_id,email,first_name,locale,email_consent',
        'G1,greta@example.com,Greta,de,granted',
        'G2,george@example.com,George,en,granted',
        'E1,erik@example.com,Erik,de,existing_customer',
        'O1,olga@example.com,Olga,de,objected',
        'U1,ute@example.com,Ute,de,granted',
        'B1,bert@example.com,Bert,de,granted',
        'N1,nina@example.com,Nina,de,unknown',
        'NE,,Noemail,de,granted',
        'Q1,quentin@example.com,Quentin,de,granted',
      ].join('\n'),
    )
    t.db.$client.prepare("INSERT INTO suppressions (email, reason) VALUES ('ute@example.com', 'unsubscribed'), ('bert@example.com', 'bounced')").run()
    // Quentin was mailed by another campaign last week.
    const other = testCampaign(t.db, { name: 'Earlier' })
    t.db.$client
      .prepare("INSERT INTO messages (customer_id, campaign_id, kind, dedupe_key, to_address, locale, payload, status, sent_at) SELECT id, ?, 'invitation', 'earlier', email, 'de', '{}', 'sent', ? FROM customers WHERE external_id = 'Q1'")
      .run(other.id, new Date(Date.now() - 7 * DAY).toISOString())
  })
  afterEach(async () => {
    await sender.stop()
    t.cleanup()
  })
  const to = () => smtp.received.map((m) => m.envelopeTo[0]).sort()

  it('previews who is left out and why, and mails exactly the eligible, in their language, with the headers', async () => {
    const campaign = testCampaign(t.db)
    const preview = previewCampaignTarget(t.db, { target: {}, quietDays: 30, holdoutPercent: 0 }, campaign.id)
    expect(preview).toMatchObject({
      targeted: 9,
      eligible: 2,
      excluded: { no_email: 1, objected: 1, bounced: 1, unsubscribed: 1, no_consent: 2, quiet_period: 1 },
    })
    changeCampaignState(t.db, campaign.id, 'start', 'test')
    expect(await sender.runOnce()).toBe(2)
    expect(to()).toEqual(['george@example.com', 'greta@example.com'])
    const greta = smtp.received.find((m) => m.envelopeTo[0] === 'greta@example.com')!
    const george = smtp.received.find((m) => m.envelopeTo[0] === 'george@example.com')!
    expect(greta.subject).toBe('Greta, wir vermissen Sie')
    expect(greta.text).toContain('einen Gutschein über 10 %')
    expect(greta.text).toContain('ohne dass Ihnen hierfür andere als die Übermittlungskosten nach den Basistarifen entstehen')
    expect(george.subject).toBe('George, we miss you')
    expect(george.html).toContain('Take the survey (2–3 minutes)')
    expect(george.messageId).toMatch(/@localhost>?$/)
    const survey = /https:\/\/shop\.example\.com\/s\/([\w-]{32})/.exec(george.text!)![1]!
    const unsubscribe = /https:\/\/shop\.example\.com\/u\/([\w-]{32})/.exec(george.text!)![1]!
    expect(survey).toBe(unsubscribe)
    expect(george.raw).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click')
    expect(george.raw).toMatch(/List-Unsubscribe:\s+<https:\/\/shop\.example\.com\/u\/[\w-]{32}>,\s+<mailto:unsubscribe@shop\.example\.com\?subject=unsubscribe%20\d+>/)
    // Only hashes of the link tokens are stored.
    expect(t.db.$client.prepare('SELECT count(*) AS n FROM member_tokens WHERE token_hash = ?').get(survey)).toEqual({ n: 0 })
    expect(t.db.$client.prepare('SELECT count(*) AS n FROM member_tokens').get()).toEqual({ n: 2 })
    // Running again sends nothing twice.
    expect(await sender.runOnce()).toBe(0)
    expect(smtp.received).toHaveLength(2)
  })

  it('shares the queue between two senders on two connections (the server and the CLI): each mail goes out once, with one link token', async () => {
    await importText(t.db, 'customers', ['customer_id,email,first_name,locale,email_consent', ...Array.from({ length: 120 }, (_, i) => `S${i},s${i}@example.com,Sam,de,granted`)].join('\n'))
    const campaign = testCampaign(t.db, { quietDays: 0 })
    changeCampaignState(t.db, campaign.id, 'start', 'test')
    const queued = t.db.$client.prepare("SELECT count(*) FROM messages WHERE campaign_id = ? AND status = 'queued'").pluck().get(campaign.id) as number
    expect(queued).toBeGreaterThan(120)
    const second = openDatabase(t.file)
    const cli = new MailSender(second, testConfig(t.file, { SMTP_URL: smtp.url, BASE_URL: 'https://shop.example.com' }), createMailTransport(testConfig(t.file, { SMTP_URL: smtp.url })), quietLogger)
    try {
      const [a, b] = await Promise.all([sender.runOnce(), cli.runOnce()])
      expect(a + b).toBe(queued)
      // Both took part, and nobody was mailed twice.
      expect(a).toBeGreaterThan(0)
      expect(b).toBeGreaterThan(0)
      expect(new Set(to()).size).toBe(queued)
      expect(smtp.received).toHaveLength(queued)
      expect(t.db.$client.prepare('SELECT count(*) FROM member_tokens t JOIN campaign_members m ON m.id = t.member_id WHERE m.campaign_id = ?').pluck().get(campaign.id)).toBe(queued)
    } finally {
      await cli.stop()
      second.$client.close()
    }
  })

  it('signs with DKIM, covering both unsubscribe headers, when configured', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const config = testConfig(t.file, { SMTP_URL: smtp.url, DKIM_DOMAIN: 'shop.example.com', DKIM_SELECTOR: 'mail', DKIM_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() })
    const signing = new MailSender(t.db, config, createMailTransport(config), quietLogger)
    try {
      const campaign = testCampaign(t.db)
      changeCampaignState(t.db, campaign.id, 'start', 'test')
      await signing.runOnce()
      const raw = smtp.received[0]!.raw
      const signature = /DKIM-Signature:([\s\S]*?)\r?\n(?=\S)/.exec(raw)![1]!.replace(/\s+/g, '')
      expect(signature).toContain('d=shop.example.com')
      expect(signature).toContain('s=mail')
      const signed = /;h=([^;]+)/.exec(signature)![1]!.toLowerCase().split(':')
      expect(signed).toEqual(expect.arrayContaining(['from', 'subject', 'list-unsubscribe', 'list-unsubscribe-post']))
    } finally {
      await signing.stop()
    }
  })

  it('mails existing customers only where the admin enabled that basis', async () => {
    saveMailSettings(t.db, { existingCustomerBasis: true, overdueMinutes: 60 }, 'test')
    const campaign = testCampaign(t.db)
    changeCampaignState(t.db, campaign.id, 'start', 'test')
    await sender.runOnce()
    expect(to()).toEqual(['erik@example.com', 'george@example.com', 'greta@example.com'])
  })

  it('reminds only those who have not answered, after the delays, and then completes', async () => {
    const app = await buildApp({ config: testConfig(t.file), db: t.db })
    try {
      const campaign = testCampaign(t.db, { reminders: 2, reminderDays: [4, 7] })
      changeCampaignState(t.db, campaign.id, 'start', 'test')
      await sender.runOnce()
      // Greta answers from her invitation.
      const token = /\/s\/([\w-]{32})/.exec(smtp.received.find((m) => m.envelopeTo[0] === 'greta@example.com')!.text!)![1]!
      await answerAll(app, token, 'phone')
      const now = Date.now()
      await sender.runOnce(() => new Date(now + 3 * DAY))
      expect(smtp.received).toHaveLength(2)
      await sender.runOnce(() => new Date(now + 4 * DAY + 60_000))
      expect(smtp.received.map((m) => `${m.envelopeTo[0]} ${m.subject}`).slice(2)).toEqual(['george@example.com Two more minutes for us, George?'])
      // The reminder's own link opens the same survey.
      const reminderToken = /\/s\/([\w-]{32})/.exec(smtp.received[2]!.text!)![1]!
      expect((await app.inject(`/s/${reminderToken}`)).body).toContain('Why have you stopped buying from us?')
      await sender.runOnce(() => new Date(now + 11 * DAY + 120_000))
      expect(smtp.received.map((m) => m.envelopeTo[0])).toEqual(expect.arrayContaining(['george@example.com']))
      expect(smtp.received).toHaveLength(4)
      // Reminders carry their member's arm, as invitations do.
      expect(t.db.$client.prepare("SELECT count(*) AS n FROM messages x JOIN campaign_members m ON m.id = x.member_id WHERE x.campaign_id = ? AND x.kind = 'reminder' AND x.arm IS m.arm").get(campaign.id)).toEqual({ n: 2 })
      expect(t.db.$client.prepare('SELECT status FROM campaigns WHERE id = ?').get(campaign.id)).toEqual({ status: 'completed' })
    } finally {
      await app.close()
    }
  })

  it('sends no reminder to someone who unsubscribed after the invitation', async () => {
    const campaign = testCampaign(t.db, { reminders: 1, reminderDays: [4] })
    changeCampaignState(t.db, campaign.id, 'start', 'test')
    await sender.runOnce()
    const george = t.db.$client.prepare("SELECT id FROM customers WHERE external_id = 'G2'").get() as { id: number }
    changeConsent(t.db, { customerId: george.id, channel: 'email', status: 'objected', source: 'unsubscribe', actor: 'customer' })
    await sender.runOnce(() => new Date(Date.now() + 5 * DAY))
    expect(smtp.received.map((m) => m.envelopeTo[0]).sort()).toEqual(['george@example.com', 'greta@example.com', 'greta@example.com'])
    expect(t.db.$client.prepare("SELECT status, last_error FROM messages WHERE kind = 'reminder' AND to_address = 'george@example.com'").get()).toEqual({ status: 'skipped', last_error: 'not sent: objected' })
  })

  it('holds out a random share that is never mailed, and splits the rest across the incentive arms', async () => {
    const rows = ['customer_id,email,locale,email_consent']
    for (let i = 0; i < 100; i++) rows.push(`H${i},h${i}@example.com,en,granted`)
    await importText(t.db, 'customers', rows.join('\n'))
    const campaign = testCampaign(t.db, {
      target: { locale: 'en' },
      holdoutPercent: 10,
      incentives: [
        { kind: 'coupon', percent: 10, currency: 'EUR', minOrderCents: 0, validDays: 30, prefix: 'CB' },
        { kind: 'points', points: 200 },
      ],
    })
    changeCampaignState(t.db, campaign.id, 'start', 'test')
    await sender.runOnce()
    const members = t.db.$client.prepare('SELECT holdout, arm, count(*) AS n FROM campaign_members WHERE campaign_id = ? GROUP BY 1, 2 ORDER BY 1, 2').all(campaign.id)
    // 101 English customers (George and H0–H99): 10 held out, 91 mailed, 46 and 45 per arm.
    expect(members).toEqual([
      { holdout: 0, arm: 0, n: 46 },
      { holdout: 0, arm: 1, n: 45 },
      { holdout: 1, arm: 0, n: 10 },
    ])
    const heldOut = (t.db.$client.prepare('SELECT c.email FROM campaign_members m JOIN customers c ON c.id = m.customer_id WHERE m.holdout = 1 AND m.campaign_id = ?').all(campaign.id) as { email: string }[]).map((r) => r.email)
    expect(smtp.received).toHaveLength(91)
    for (const email of heldOut) expect(to()).not.toContain(email)
    expect(smtp.received.filter((m) => m.text!.includes('200 loyalty points'))).toHaveLength(45)
    // Each mail carries its member's arm; the campaign page counts the mails per arm from them.
    expect(t.db.$client.prepare('SELECT count(*) AS n FROM messages x JOIN campaign_members m ON m.id = x.member_id WHERE x.campaign_id = ? AND x.arm IS NOT m.arm').get(campaign.id)).toEqual({ n: 0 })
    const sentPerArm = () => campaignProgress(t.db, campaign.id).arms.map((a) => [a.arm, a.members, a.sent])
    expect(sentPerArm()).toEqual([
      [0, 56, 46],
      [1, 45, 45],
    ])
    // Mails queued before messages kept their arm count the same.
    t.db.$client.prepare('UPDATE messages SET arm = NULL WHERE campaign_id = ? AND id % 3 = 0').run(campaign.id)
    expect(sentPerArm()).toEqual([
      [0, 56, 46],
      [1, 45, 45],
    ])
  })

  it('keeps to the rate limit across connections', async () => {
    const rows = ['customer_id,email,locale,email_consent']
    for (let i = 0; i < 6; i++) rows.push(`R${i},r${i}@example.com,de,granted`)
    await importText(t.db, 'customers', rows.join('\n'))
    const campaign = testCampaign(t.db, { target: { locale: 'de' }, ratePerMinute: 240 })
    changeCampaignState(t.db, campaign.id, 'start', 'test')
    const started = Date.now()
    await sender.runOnce()
    // 7 mails (Greta and R0–R5) at 4 a second: at least 1.5 s from the first to the last.
    expect(smtp.received).toHaveLength(7)
    expect(Date.now() - started).toBeGreaterThanOrEqual(1450)
  })

  it('sends nothing while paused, and everything after resuming', async () => {
    const campaign = testCampaign(t.db)
    changeCampaignState(t.db, campaign.id, 'start', 'test')
    changeCampaignState(t.db, campaign.id, 'pause', 'test')
    expect(await sender.runOnce()).toBe(0)
    changeCampaignState(t.db, campaign.id, 'resume', 'test')
    expect(await sender.runOnce()).toBe(2)
    expect(() => changeCampaignState(t.db, campaign.id, 'schedule', 'test')).toThrow('A sending campaign cannot be scheduled.')
  })

  it('pauses itself when too many mails bounce, and suppresses the addresses', async () => {
    const rows = ['customer_id,email,locale,email_consent']
    for (let i = 0; i < 25; i++) {
      rows.push(`X${i},x${i}@example.com,en,granted`)
      smtp.reject(`x${i}@example.com`, 550)
    }
    await importText(t.db, 'customers', rows.join('\n'))
    const campaign = testCampaign(t.db, { target: { locale: 'en' } })
    changeCampaignState(t.db, campaign.id, 'start', 'test')
    await sender.runOnce()
    const c = t.db.$client.prepare('SELECT status, pause_reason AS reason FROM campaigns WHERE id = ?').get(campaign.id) as { status: string; reason: string }
    expect(c.status).toBe('paused')
    expect(inEnglish(readNote(c.reason) as Note)).toMatch(/Paused automatically: \d+ of \d+ mails failed or bounced/)
    expect((t.db.$client.prepare("SELECT count(*) AS n FROM suppressions WHERE reason = 'bounced'").get() as { n: number }).n).toBeGreaterThanOrEqual(20)
  })

  it('waits for a person when a scheduled start is found long overdue', async () => {
    const campaign = testCampaign(t.db)
    const now = new Date()
    changeCampaignState(t.db, campaign.id, 'schedule', 'test', { scheduledAt: new Date(now.getTime() + 60_000).toISOString(), now })
    await startDueCampaigns(t.db, new Date(now.getTime() + 3 * 3600_000), (id) => changeCampaignState(t.db, id, 'start', 'scheduler'))
    const c = t.db.$client.prepare('SELECT status, pause_reason AS reason FROM campaigns WHERE id = ?').get(campaign.id) as { status: string; reason: string }
    expect(c.status).toBe('paused')
    expect(inEnglish(readNote(c.reason) as Note)).toMatch(/Overdue since .* resume to start sending now/)
    expect(t.db.$client.prepare('SELECT count(*) AS n FROM campaign_members WHERE campaign_id = ?').get(campaign.id)).toEqual({ n: 0 })
    changeCampaignState(t.db, campaign.id, 'resume', 'test')
    expect(t.db.$client.prepare("SELECT count(*) AS n FROM messages WHERE campaign_id = ? AND status = 'queued'").get(campaign.id)).toEqual({ n: 2 })
  })

  it('starts a scheduled campaign on time', async () => {
    const campaign = testCampaign(t.db)
    const now = new Date()
    changeCampaignState(t.db, campaign.id, 'schedule', 'test', { scheduledAt: new Date(now.getTime() + 60_000).toISOString(), now })
    await startDueCampaigns(t.db, new Date(now.getTime() + 30_000), (id) => changeCampaignState(t.db, id, 'start', 'scheduler'))
    expect(t.db.$client.prepare('SELECT status FROM campaigns WHERE id = ?').get(campaign.id)).toEqual({ status: 'scheduled' })
    await startDueCampaigns(t.db, new Date(now.getTime() + 90_000), (id) => changeCampaignState(t.db, id, 'start', 'scheduler'))
    expect(t.db.$client.prepare('SELECT status FROM campaigns WHERE id = ?').get(campaign.id)).toEqual({ status: 'sending' })
  })
})

