import { spawn } from 'node:child_process'
import { readdirSync, rmSync, writeFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MailSender } from '../../src/jobs/sender.ts'
import { renderMessage } from '../../src/mail/render.ts'
import { createMailTransport, outboxFolder } from '../../src/mail/transport.ts'
import { dueMessages } from '../../src/repos/messages.ts'
import { changeCampaignState } from '../../src/services/campaigns.ts'
import { tempDatabase, testConfig } from '../helpers/build-app.ts'
import { testCampaign } from '../helpers/campaigns.ts'
import { importText } from '../helpers/factories.ts'
import { startSmtpServer, useSmtpServer } from '../helpers/smtp.ts'
import { quietLogger } from '../helpers/logger.ts'

const DAY = 86_400_000

describe('the sender keeps its promises', () => {
  const mailServer = useSmtpServer()
  let t: ReturnType<typeof tempDatabase>
  let sender: MailSender
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>
  const count = (sql: string, ...args: unknown[]) => (t.db.$client.prepare(sql).get(...args) as { n: number }).n

  beforeEach(async () => {
    smtp = mailServer.server
    t = tempDatabase()
    const config = testConfig(t.file, { SMTP_URL: smtp.url })
    sender = new MailSender(t.db, config, createMailTransport(config), quietLogger)
    const rows = Array.from({ length: 120 }, (_, i) => `C${i},c${i}@example.com,Cai,de,granted`)
    await importText(t.db, 'customers', ['customer_id,email,first_name,locale,email_consent', ...rows].join('\n'))
  })
  afterEach(async () => {
    await sender.stop()
    t.cleanup()
  })

  it('`campaign send ID` sends that campaign even when other due mail comes first', async () => {
    const first = testCampaign(t.db, { name: 'First', target: {} })
    changeCampaignState(t.db, first.id, 'start', 'test')
    // The first campaign's 120 invitations are older than anything the second queues: a batch of 50 holds none of the second's.
    const second = testCampaign(t.db, { name: 'Second', target: {}, quietDays: 0 })
    changeCampaignState(t.db, second.id, 'start', 'test')
    expect(dueMessages(t.db, new Date().toISOString(), 50).every((m) => m.campaignId === first.id)).toBe(true)
    const sent = await sender.runOnce(undefined, second.id)
    expect(sent).toBe(120)
    expect(count("SELECT count(*) AS n FROM messages WHERE campaign_id = ? AND status = 'sent'", second.id)).toBe(120)
    expect(count("SELECT count(*) AS n FROM messages WHERE campaign_id = ? AND status = 'sent'", first.id)).toBe(0)
  })

  it('leaves out at the moment of sending a customer another campaign mailed within the quietLogger period', async () => {
    const campaign = testCampaign(t.db, { name: 'Later', target: {}, quietDays: 30 })
    changeCampaignState(t.db, campaign.id, 'start', 'test')
    // Meanwhile another campaign mailed C7.
    const other = testCampaign(t.db, { name: 'Meanwhile' })
    t.db.$client
      .prepare("INSERT INTO messages (customer_id, campaign_id, kind, dedupe_key, to_address, locale, payload, status, sent_at) SELECT id, ?, 'invitation', 'meanwhile', email, 'de', '{}', 'sent', ? FROM customers WHERE external_id = 'C7'")
      .run(other.id, new Date(Date.now() - DAY).toISOString())
    await sender.runOnce(undefined, campaign.id)
    expect(smtp.received.map((m) => m.envelopeTo[0])).not.toContain('c7@example.com')
    expect(t.db.$client.prepare("SELECT m.status, m.last_error AS error FROM messages m JOIN customers c ON c.id = m.customer_id WHERE c.external_id = 'C7' AND m.campaign_id = ?").get(campaign.id)).toEqual({
      status: 'skipped',
      error: 'not sent: quiet_period',
    })
    expect(smtp.received).toHaveLength(119)
  })

  it('marks the message sent and the member mailed together, or neither', async () => {
    const campaign = testCampaign(t.db, { name: 'Atomic', target: {} })
    changeCampaignState(t.db, campaign.id, 'start', 'test')
    // The member update fails (as a crash between the two writes would leave it): the message must not stay "sent" alone.
    t.db.$client.exec("CREATE TRIGGER refuse_member BEFORE UPDATE OF mails_sent ON campaign_members BEGIN SELECT RAISE(ABORT, 'disk gone'); END")
    await sender.runOnce(undefined, campaign.id).catch(() => 0)
    expect(count("SELECT count(*) AS n FROM messages WHERE campaign_id = ? AND status = 'sent'", campaign.id)).toBe(0)
    expect(count('SELECT count(*) AS n FROM campaign_members WHERE campaign_id = ? AND mails_sent > 0', campaign.id)).toBe(0)
  })

  it('renders a mail without writing anything', () => {
    const campaign = testCampaign(t.db, { name: 'Pure', target: {} })
    changeCampaignState(t.db, campaign.id, 'start', 'test')
    const message = dueMessages(t.db, new Date().toISOString(), 1)[0]!
    const before = t.db.$client.prepare('SELECT total_changes() AS n').get() as { n: number }
    const rendered = renderMessage(t.db, testConfig(t.file), message)!
    expect((t.db.$client.prepare('SELECT total_changes() AS n').get() as { n: number }).n).toBe(before.n)
    expect(rendered.link).toMatchObject({ kind: 'member', id: message.memberId })
    expect(count('SELECT count(*) AS n FROM member_tokens')).toBe(0)
  })

  it('skips queued mail when a campaign is cancelled, and sends none of it', async () => {
    const campaign = testCampaign(t.db, { name: 'Cancelled', target: {} })
    changeCampaignState(t.db, campaign.id, 'start', 'test')
    changeCampaignState(t.db, campaign.id, 'cancel', 'test')
    expect(count("SELECT count(*) AS n FROM messages WHERE campaign_id = ? AND status = 'skipped' AND last_error = 'campaign cancelled'", campaign.id)).toBe(120)
    await sender.runOnce()
    expect(smtp.received).toHaveLength(0)
  })
})

describe('standing records made once, however many processes ask', () => {
  it('creates one default survey and one personal-links campaign when four processes race', async () => {
    const t = tempDatabase()
    try {
      await importText(t.db, 'customers', 'customer_id,email\nR1,r1@example.com\n')
      const startAt = String(Date.now() + 1500)
      const go = () =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/race-link.ts', t.file, 'R1', startAt], { stdio: ['ignore', 'ignore', 'pipe'] })
          let err = ''
          child.stderr.on('data', (d) => (err += String(d)))
          child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(err))))
        })
      await Promise.all([go(), go(), go(), go()])
      expect(t.db.$client.prepare("SELECT count(*) AS n FROM surveys WHERE name = 'Default survey'").get()).toEqual({ n: 1 })
      expect(t.db.$client.prepare("SELECT count(*) AS n FROM campaigns WHERE kind = 'personal'").get()).toEqual({ n: 1 })
      expect(t.db.$client.prepare('SELECT count(*) AS n FROM survey_versions').get()).toEqual({ n: 1 })
    } finally {
      t.cleanup()
    }
  })
})

describe('an outbox folder that cannot take mail', () => {
  it('pauses sending with a clear message, counts no attempt, and loses nothing once fixed', async () => {
    const t = tempDatabase()
    const config = testConfig(t.file)
    const sender = new MailSender(t.db, config, createMailTransport(config), quietLogger)
    try {
      await importText(t.db, 'customers', ['customer_id,email,locale,email_consent', ...Array.from({ length: 30 }, (_, i) => `O${i},o${i}@example.com,de,granted`)].join('\n'))
      const campaign = testCampaign(t.db, { name: 'Blocked', target: {}, reminders: 0, reminderDays: [] })
      changeCampaignState(t.db, campaign.id, 'start', 'test')
      // A file where the folder should be: nothing can be written there (as on a read-only or full disk).
      const folder = outboxFolder(config)
      writeFileSync(folder, 'not a folder')
      expect(await sender.runOnce()).toBe(0)
      const paused = t.db.$client.prepare('SELECT status, pause_reason AS reason FROM campaigns WHERE id = ?').get(campaign.id) as { status: string; reason: string }
      expect(paused.status).toBe('paused')
      expect(paused.reason).toContain(`The outbox folder ${folder} cannot take mail`)
      expect(t.db.$client.prepare('SELECT status, attempts, count(*) AS n FROM messages GROUP BY status, attempts').all()).toEqual([{ status: 'queued', attempts: 0, n: 30 }])

      rmSync(folder)
      changeCampaignState(t.db, campaign.id, 'resume', 'test')
      expect(await sender.runOnce()).toBe(30)
      expect(readdirSync(folder).filter((f) => f.endsWith('.eml'))).toHaveLength(30)
      expect(t.db.$client.prepare('SELECT status, count(*) AS n FROM messages GROUP BY status').all()).toEqual([{ status: 'sent', n: 30 }])
    } finally {
      await sender.stop()
      t.cleanup()
    }
  })
})
