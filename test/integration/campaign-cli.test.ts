import { execFile } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { tempDatabase } from '../helpers/build-app.ts'
import { importText } from '../helpers/factories.ts'
import { startSmtpServer } from '../helpers/smtp.ts'

/** Run the CLI without blocking this process: the SMTP server it talks to lives here. */
function comeback(dbFile: string, smtpUrl: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['src/cli/comeback.js', ...args], { encoding: 'utf8', env: { ...process.env, BASE_URL: '', COMEBACK_DB: dbFile, SMTP_URL: smtpUrl, LOG_LEVEL: 'silent', CI: '1' } }, (error, out, err) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out, err }),
    )
  })
}

describe('comeback campaign', () => {
  it('creates, lists, pauses, resumes, sends and cancels from the command line', async () => {
    const t = tempDatabase()
    const smtp = await startSmtpServer()
    try {
      await importText(t.db, 'customers', 'customer_id,email,first_name,locale,email_consent\nC1,c1@example.com,Cara,de,granted\nC2,c2@example.com,Carl,en,granted\n')
      await importText(t.db, 'orders', 'order_id,customer_id,ordered_at,total\nO1,C1,2024-01-01,10\nO2,C1,2024-01-20,10\nO3,C2,2024-02-01,10\nO4,C2,2024-02-15,12\n')
      t.db.$client.prepare("INSERT INTO customer_analysis (customer_id, run_id, as_of, orders, purchase_days, first_order_at, last_order_at, spend_cents, average_order_cents, typical_gap_days, gap_basis, days_since_last, lapse_status, r_score, f_score, m_score) SELECT id, 1, '2026-01-01', 2, 2, '2024-01-01', '2024-02-15', 2000, 1000, 20, 'own', 300, 'lost', 1, 1, 1 FROM customers").run()
      const created = await comeback(t.file, smtp.url, 'campaign', 'create', '--name', 'CLI win-back', '--lapse', 'lost', '--incentive', 'coupon:5EUR', '--incentive', 'points:200', '--holdout', '0', '--reminders', '1')
      expect(created.code).toBe(0)
      const id = created.out.trim()
      expect(id).toMatch(/^\d+$/)
      // The default send window is weekdays 09:00–18:00 Berlin: open it for the test, whatever the hour.
      t.db.$client.prepare("UPDATE campaigns SET send_days = '[1,2,3,4,5,6,7]', send_from = '00:00', send_to = '23:59'").run()
      expect((await comeback(t.file, smtp.url, 'campaign', 'pause', id)).code).toBe(1)
      const list = await comeback(t.file, smtp.url, 'campaign', 'list')
      expect(list.out).toMatch(new RegExp(`${id}\\s+draft\\s+CLI win-back`))
      const sent = await comeback(t.file, smtp.url, 'campaign', 'send', id)
      expect(sent.code).toBe(0)
      expect(sent.out).toContain('Sent 2 now; campaign sending')
      expect(smtp.received.map((m) => m.envelopeTo[0]).sort()).toEqual(['c1@example.com', 'c2@example.com'])
      const texts = smtp.received.map((m) => m.text).join('\n')
      expect(texts).toMatch(/einen Gutschein über 5,00\s€/)
      expect(texts).toContain('200 loyalty points')
      expect((await comeback(t.file, smtp.url, 'campaign', 'pause', id)).out).toContain('is paused')
      expect((await comeback(t.file, smtp.url, 'campaign', 'resume', id)).out).toContain('is sending')
      expect((await comeback(t.file, smtp.url, 'campaign', 'cancel', id)).out).toContain('is cancelled')
      const again = await comeback(t.file, smtp.url, 'campaign', 'resume', id)
      expect(again.code).toBe(1)
      expect(again.err).toContain('A cancelled campaign cannot be resumed.')
      expect((await comeback(t.file, smtp.url, 'campaign', 'create', '--name', 'x', '--lapse', 'lost', '--incentive', 'beer')).code).toBe(2)
    } finally {
      await smtp.close()
      t.cleanup()
    }
  })

  it('takes the send window, rate, quiet period and link expiry, and says why a send run mailed nobody', async () => {
    const t = tempDatabase()
    const smtp = await startSmtpServer()
    try {
      await importText(t.db, 'customers', 'customer_id,email,first_name,locale,email_consent\nC1,c1@example.com,Cara,de,granted\n')
      t.db.$client.prepare("INSERT INTO customer_analysis (customer_id, run_id, as_of, orders, purchase_days, first_order_at, last_order_at, spend_cents, average_order_cents, typical_gap_days, gap_basis, days_since_last, lapse_status, r_score, f_score, m_score) SELECT id, 1, '2026-01-01', 2, 2, '2024-01-01', '2024-02-15', 2000, 1000, 20, 'own', 300, 'lost', 1, 1, 1 FROM customers").run()
      // A window of one minute a week, at 03:00 UTC on the weekday after today: closed now, whenever the test runs.
      const day = ((new Date().getUTCDay() + 1) % 7) || 7
      const created = await comeback(t.file, smtp.url, 'campaign', 'create', '--name', 'Window', '--lapse', 'lost', '--holdout', '0', '--send-days', String(day), '--send-from', '03:00', '--send-to', '03:01', '--time-zone', 'UTC', '--rate', '30', '--quiet-days', '7', '--link-expiry', '14')
      expect(created.code).toBe(0)
      const id = created.out.trim()
      const row = t.db.$client.prepare('SELECT send_days, send_from, send_to, time_zone, rate_per_minute, quiet_days, link_expiry_days FROM campaigns WHERE id = ?').get(id)
      expect(row).toEqual({ send_days: `[${day}]`, send_from: '03:00', send_to: '03:01', time_zone: 'UTC', rate_per_minute: 30, quiet_days: 7, link_expiry_days: 14 })
      const sent = await comeback(t.file, smtp.url, 'campaign', 'send', id)
      expect(sent.out).toContain('Sent 0 now')
      expect(sent.out).toMatch(/Nothing went out: outside the send window \(03:00–03:01, UTC, days \d\); it opens next at \d{4}-\d{2}-\d{2} 03:00 UTC\./)
      await comeback(t.file, smtp.url, 'campaign', 'pause', id)
      expect((await comeback(t.file, smtp.url, 'campaign', 'send', id)).out).toContain('Nothing went out: the campaign is paused')
      const bad = await comeback(t.file, smtp.url, 'campaign', 'create', '--name', 'Bad zone', '--lapse', 'lost', '--time-zone', 'Mars/Olympus')
      expect(bad.code).toBe(1)
      expect(bad.err).toContain('Time zone: is not a time zone')
      expect(smtp.received).toEqual([])
    } finally {
      await smtp.close()
      t.cleanup()
    }
  })
})
