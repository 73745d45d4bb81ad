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
})
