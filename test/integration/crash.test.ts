import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/db/client.ts'
import { SMTP_CONNECTIONS } from '../../src/mail/transport.ts'
import { changeCampaignState } from '../../src/services/campaigns.ts'
import { tempDatabase } from '../helpers/build-app.ts'
import { testCampaign } from '../helpers/campaigns.ts'
import { importText } from '../helpers/factories.ts'
import { startSmtpServer } from '../helpers/smtp.ts'

const MESSAGES = 2000

function sendInChild(dbFile: string, smtpUrl: string, campaignId: number) {
  const child = spawn(process.execPath, ['src/cli/comeback.js', 'campaign', 'send', String(campaignId)], {
    env: { ...process.env, BASE_URL: '', COMEBACK_DB: dbFile, SMTP_URL: smtpUrl, LOG_LEVEL: 'silent', CI: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  return { child, exited, stderr: () => stderr }
}

describe('a sender killed in the middle of a campaign', () => {
  it(`sends each of ${MESSAGES} messages once after a restart; only those in flight may come twice, and they are logged`, { timeout: 180_000 }, async () => {
    const t = tempDatabase()
    const smtp = await startSmtpServer()
    try {
      const rows = ['customer_id,email,locale,email_consent']
      for (let i = 0; i < MESSAGES; i++) rows.push(`K${i},k${i}@example.com,de,granted`)
      await importText(t.db, 'customers', rows.join('\n'))
      const campaign = testCampaign(t.db, { reminders: 0, reminderDays: [] })
      changeCampaignState(t.db, campaign.id, 'start', 'test')

      const first = sendInChild(t.file, smtp.url, campaign.id)
      // SIGKILL once a good part has gone out: no chance to tidy up.
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (smtp.received.length >= MESSAGES / 4) {
            clearInterval(timer)
            first.child.kill('SIGKILL')
            resolve()
          }
        }, 5)
      })
      expect((await first.exited).signal).toBe('SIGKILL')
      const receivedBeforeRestart = smtp.received.length
      expect(receivedBeforeRestart).toBeLessThan(MESSAGES)

      const second = sendInChild(t.file, smtp.url, campaign.id)
      expect((await second.exited).code).toBe(0)

      const counts = new Map<string, number>()
      for (const m of smtp.received) counts.set(m.envelopeTo[0]!, (counts.get(m.envelopeTo[0]!) ?? 0) + 1)
      expect(counts.size).toBe(MESSAGES)
      const twice = [...counts].filter(([, n]) => n > 1).map(([to]) => to)
      // At most the messages in flight at the kill: one per SMTP connection.
      expect(twice.length).toBeLessThanOrEqual(4)
      for (const to of twice) expect(second.stderr()).toContain(`to ${to}`)
      expect([...counts.values()].every((n) => n <= 2)).toBe(true)
      expect(t.db.$client.prepare("SELECT status, count(*) AS n FROM messages WHERE campaign_id = ? GROUP BY status").all(campaign.id)).toEqual([{ status: 'sent', n: MESSAGES }])
      console.log(`killed after ${receivedBeforeRestart} received; ${twice.length} sent twice (in flight)`)
    } finally {
      await smtp.close()
      t.cleanup()
    }
  })
})

describe('mails on their way', () => {
  it('are never more than one per SMTP connection accepted by the server and not yet recorded as sent', { timeout: 60_000 }, async () => {
    // The crash test's bound, without a crash: once the server has taken a mail, this test holds
    // the database's write lock for a second, so the sender can record nothing as sent. Each mail
    // the server takes meanwhile is one that would come twice if the sender died now. A sender
    // that hands the pool a mail before the one before it on its way is recorded goes past the
    // number of connections here every time.
    const t = tempDatabase()
    const probe = openDatabase(t.file)
    let held: { sentBefore: number } | null = null
    let mostUnrecorded = 0
    const smtp = await startSmtpServer({
      beforeAccepting(received) {
        if (held === null && received === 2 * SMTP_CONNECTIONS) {
          probe.$client.exec('BEGIN IMMEDIATE')
          held = { sentBefore: (probe.$client.prepare("SELECT count(*) AS n FROM messages WHERE status = 'sent'").get() as { n: number }).n }
          setTimeout(() => probe.$client.open && probe.$client.exec('COMMIT'), 1000)
        }
        if (held && probe.$client.inTransaction) mostUnrecorded = Math.max(mostUnrecorded, received - held.sentBefore)
      },
    })
    try {
      const rows = ['customer_id,email,locale,email_consent']
      for (let i = 0; i < 40; i++) rows.push(`K${i},k${i}@example.com,de,granted`)
      await importText(t.db, 'customers', rows.join('\n'))
      const campaign = testCampaign(t.db, { reminders: 0, reminderDays: [] })
      changeCampaignState(t.db, campaign.id, 'start', 'test')
      const sender = sendInChild(t.file, smtp.url, campaign.id)
      expect((await sender.exited).code, sender.stderr()).toBe(0)
      expect(held).not.toBeNull()
      // Here it is usually SMTP_CONNECTIONS (each connection's mail taken, none recorded); with
      // twice as many mails handed to the pool, it is twice that.
      expect(mostUnrecorded).toBeLessThanOrEqual(SMTP_CONNECTIONS)
      // And each customer got the mail once.
      expect(new Set(smtp.received.map((m) => m.envelopeTo[0])).size).toBe(40)
      expect(smtp.received).toHaveLength(40)
    } finally {
      probe.$client.close()
      await smtp.close()
      t.cleanup()
    }
  })
})
