import { existsSync, readdirSync, readFileSync } from 'node:fs'
import Database from 'better-sqlite3'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { MailSender } from '../../src/jobs/sender.ts'
import { createMailTransport } from '../../src/mail/transport.ts'
import { tempDatabase, testConfig } from '../helpers/build-app.ts'
import { startSmtpServer, useSmtpServer } from '../helpers/smtp.ts'
import { answerAll, customerWithLink } from '../helpers/survey.ts'

describe('reward and double opt-in mail, through a real SMTP server', () => {
  const mailServer = useSmtpServer()
  let app: FastifyInstance
  let t: ReturnType<typeof tempDatabase>
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>
  beforeEach(async () => {
    smtp = mailServer.server
    t = tempDatabase()
    app = await buildApp({ config: testConfig(t.file, { SMTP_URL: smtp.url, MAIL_FROM: 'Shop <shop@example.com>' }), db: t.db })
    await app.ready()
  })
  afterEach(async () => {
    await app.close()
    t.cleanup()
  })
  const status = () => t.db.$client.prepare('SELECT kind, status, attempts, to_address AS "to" FROM messages ORDER BY id').all()

  it('mails the reward, and the opt-in link whose click makes email consent granted', async () => {
    const { token, customerId } = await customerWithLink(t.db, 'M1', { email: 'mia@example.com' })
    await answerAll(app, token, 'email')
    await app.mailSender.idle()
    expect(status()).toEqual([
      { kind: 'opt_in', status: 'sent', attempts: 1, to: 'mia@example.com' },
      { kind: 'reward', status: 'sent', attempts: 1, to: 'mia@example.com' },
    ])
    const code = (t.db.$client.prepare('SELECT code FROM coupons').get() as { code: string }).code
    const reward = smtp.received.find((m) => m.subject?.includes(code))!
    expect(reward.subject).toBe(`Ihr Dankeschön: Gutschein ${code}`)
    expect(reward.from?.value[0]).toMatchObject({ name: 'Shop', address: 'shop@example.com' })
    expect(reward.envelopeTo).toEqual(['mia@example.com'])
    expect(reward.text).toContain('Hallo Kim,')
    expect(reward.text).toContain('10 % Rabatt auf Ihre nächste Bestellung')
    expect(reward.html).toContain(code)
    expect(reward.messageId).toBeTruthy()

    const optIn = smtp.received.find((m) => m.subject === 'Bitte bestätigen Sie Ihre E-Mail-Adresse')!
    const link = /http:\/\/127\.0\.0\.1:3000(\/c\/[\w-]{32})/.exec(optIn.text!)![1]!
    expect(optIn.html).toContain(link)
    // The token is in the mail only: the database keeps its hash.
    expect(t.db.$client.prepare('SELECT count(*) AS n FROM opt_in_requests WHERE token_hash = ?').get(link.slice(3))).toEqual({ n: 0 })

    // Opening the link (or a mail scanner doing so) confirms nothing; the button does.
    const page = await app.inject(link)
    expect(page.body).toContain('E-Mail-Adresse bestätigen')
    expect(t.db.$client.prepare('SELECT email_consent FROM customers WHERE id = ?').get(customerId)).toEqual({ email_consent: 'existing_customer' })
    // While another connection holds the write lock past the busy timeout: nothing recorded, and the page says so.
    t.db.$client.pragma('busy_timeout = 50')
    const other = new Database(t.file)
    other.exec('BEGIN IMMEDIATE')
    const refused = await app.inject({ method: 'POST', url: link })
    other.exec('ROLLBACK')
    other.close()
    t.db.$client.pragma('busy_timeout = 5000')
    expect(refused.statusCode).toBe(503)
    expect(refused.body).toContain('Ihre Bestätigung konnte gerade nicht gespeichert werden')
    expect(refused.body).toContain(`action="${link}"`)
    expect(t.db.$client.prepare('SELECT email_consent FROM customers WHERE id = ?').get(customerId)).toEqual({ email_consent: 'existing_customer' })
    const confirmed = await app.inject({ method: 'POST', url: link })
    expect(confirmed.body).toContain('E-Mail-Adresse bestätigt')
    expect(t.db.$client.prepare('SELECT email_consent FROM customers WHERE id = ?').get(customerId)).toEqual({ email_consent: 'granted' })
    const events = t.db.$client.prepare("SELECT source, status, wording FROM consent_events WHERE channel = 'email' AND source IN ('survey', 'double_opt_in') ORDER BY id").all()
    expect(events).toEqual([
      { source: 'survey', status: 'existing_customer', wording: 'Dürfen wir Sie wieder kontaktieren, und wie? — Ja, per E-Mail' },
      { source: 'double_opt_in', status: 'granted', wording: 'Dürfen wir Sie wieder kontaktieren, und wie? — Ja, per E-Mail' },
    ])
    // A second click changes nothing more.
    await app.inject({ method: 'POST', url: link })
    expect(t.db.$client.prepare("SELECT count(*) AS n FROM consent_events WHERE source = 'double_opt_in'").get()).toEqual({ n: 1 })
    const thanks = await app.inject(`/s/${token}`)
    expect(thanks.body).toContain('Wir haben Ihnen die Belohnung auch per E-Mail geschickt.')
  })

  it('mails nothing to a customer who said no', async () => {
    const { token } = await customerWithLink(t.db, 'M2', { email: 'nein@example.com' })
    await answerAll(app, token, 'no')
    await app.mailSender.idle()
    expect(status()).toEqual([])
    expect(smtp.received).toEqual([])
  })

  it('retries a temporary failure later, and suppresses an address the server rejects', async () => {
    const sender = new MailSender(t.db, app.config, createMailTransport(app.config), app.log)
    const first = await customerWithLink(t.db, 'M3', { email: 'later@example.com' })
    const second = await customerWithLink(t.db, 'M4', { email: 'gone@example.com' })
    smtp.reject('later@example.com', 451, 1)
    smtp.reject('gone@example.com', 550)
    // Complete both without the app's sender getting there first.
    await app.mailSender.stop()
    await answerAll(app, first.token, 'phone')
    await answerAll(app, second.token, 'phone')
    const now = Date.now()
    await sender.runOnce(() => new Date(now))
    expect(status()).toEqual([
      { kind: 'reward', status: 'queued', attempts: 1, to: 'later@example.com' },
      { kind: 'reward', status: 'bounced', attempts: 1, to: 'gone@example.com' },
    ])
    expect(t.db.$client.prepare('SELECT email, reason FROM suppressions').all()).toEqual([{ email: 'gone@example.com', reason: 'bounced' }])
    // Not before the backoff has passed…
    await sender.runOnce(() => new Date(now + 30_000))
    expect(smtp.received).toHaveLength(0)
    // …then it goes out, once.
    await sender.runOnce(() => new Date(now + 61_000))
    expect(status()[0]).toEqual({ kind: 'reward', status: 'sent', attempts: 2, to: 'later@example.com' })
    expect(smtp.received.map((m) => m.envelopeTo)).toEqual([['later@example.com']])
    await sender.stop()
  })
})

describe('without SMTP_URL', () => {
  it('writes each mail to the outbox folder', async () => {
    const t = tempDatabase()
    const app = await buildApp({ config: testConfig(t.file), db: t.db })
    try {
      const { token } = await customerWithLink(t.db, 'F1', { email: 'folder@example.com', locale: 'en' })
      await answerAll(app, token, 'phone')
      await app.mailSender.idle()
      const folder = join(t.dir, 'outbox')
      expect(existsSync(folder)).toBe(true)
      const files = readdirSync(folder)
      expect(files).toHaveLength(1)
      const eml = readFileSync(join(folder, files[0]!), 'utf8')
      expect(eml).toContain('To: folder@example.com')
      expect(eml).toMatch(/Subject: Your thank-you: coupon CB-/)
      expect(eml).toContain('Content-Type: text/html')
    } finally {
      await app.close()
      t.cleanup()
    }
  })
})
