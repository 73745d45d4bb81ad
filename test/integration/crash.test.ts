import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
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
