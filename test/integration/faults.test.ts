import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { changeCampaignState } from '../../src/services/campaigns.ts'
import { createSurveyLink } from '../../src/services/links.ts'
import { tempDatabase } from '../helpers/build-app.ts'
import { testCampaign } from '../helpers/campaigns.ts'
import { importText } from '../helpers/factories.ts'
import { spawnServer } from '../helpers/server-process.ts'

/** The default survey, one plain form post per question, as a browser without JavaScript sends it. */
const STEPS: [string, Record<string, string>][] = [
  ['reasons', { q: 'price' }],
  ['nps', { q: '7' }],
  ['csat', { q: '4' }],
  ['ces', { q: '5' }],
  ['improve', { q: 'Längere Öffnungszeiten <b>bitte</b>' }],
  ['contact', { q: 'phone' }],
]

async function post(url: string, question: string, values: Record<string, string>): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ question, ...values }).toString(),
  })
  await res.arrayBuffer()
  return res.status
}

async function customersWithLinks(db: ReturnType<typeof tempDatabase>['db'], n: number, prefix: string) {
  await importText(db, 'customers', ['customer_id,email,first_name,locale,email_consent', ...Array.from({ length: n }, (_, i) => `${prefix}${i},${prefix.toLowerCase()}${i}@example.com,Kim,de,granted`)].join('\n'))
  const ids = db.$client.prepare('SELECT id FROM customers WHERE external_id LIKE ? ORDER BY id').all(`${prefix}%`) as { id: number }[]
  return ids.map(({ id }) => ({ customerId: id, token: createSurveyLink(db, id, { baseUrl: 'http://x', actor: 'test' }).token }))
}

describe('faults', () => {
  it('keeps every acknowledged answer and grants each reward once when the server is killed mid-load', { timeout: 120_000 }, async () => {
    const t = tempDatabase()
    try {
      const people = await customersWithLinks(t.db, 80, 'S')
      let server = await spawnServer(t.file)
      const acked = new Map<number, Set<string>>()
      let ackCount = 0
      let killed = false
      const queue = [...people]
      const worker = async () => {
        for (let p = queue.shift(); p && !killed; p = queue.shift()) {
          for (const [question, values] of STEPS) {
            if (killed) return
            const status = await post(`${server.url}/s/${p.token}`, question, values).catch(() => 0)
            if (status !== 303) return
            if (!acked.has(p.customerId)) acked.set(p.customerId, new Set())
            acked.get(p.customerId)!.add(question)
            if (++ackCount >= 180 && !killed) {
              killed = true
              server.child.kill('SIGKILL')
            }
          }
        }
      }
      await Promise.all(Array.from({ length: 16 }, worker))
      expect((await server.exited).signal).toBe('SIGKILL')

      // Straight after the kill, from the file: every acknowledged answer is there, every completion rewarded once.
      const responses = new Map(
        (t.db.$client.prepare('SELECT customer_id AS customerId, status, answers, id FROM responses').all() as { customerId: number; status: string; answers: string; id: number }[]).map((r) => [r.customerId, r]),
      )
      for (const [customerId, questions] of acked) {
        const r = responses.get(customerId)
        expect(r, `response of ${customerId}`).toBeDefined()
        const answers = JSON.parse(r!.answers) as Record<string, unknown>
        for (const q of questions) expect(answers, `${customerId} ${q}`).toHaveProperty(q)
        if (questions.has('contact')) expect(r!.status).toBe('complete')
      }
      const completed = [...responses.values()].filter((r) => r.status === 'complete').length
      expect(completed).toBeGreaterThan(0)
      expect(t.db.$client.prepare('SELECT count(*) AS n FROM rewards').get()).toEqual({ n: completed })

      // Restarted, everyone finishes (resubmitting what may not have arrived): still one response and one reward each.
      server = await spawnServer(t.file)
      try {
        await Promise.all(
          people.map(async (p) => {
            for (const [question, values] of STEPS) await post(`${server.url}/s/${p.token}`, question, values)
          }),
        )
      } finally {
        await server.stop()
      }
      expect(t.db.$client.prepare("SELECT count(*) AS n, count(DISTINCT customer_id) AS people FROM responses WHERE status = 'complete'").get()).toEqual({ n: 80, people: 80 })
      expect(t.db.$client.prepare('SELECT count(*) AS n, count(DISTINCT response_id) AS responses FROM rewards').get()).toEqual({ n: 80, responses: 80 })
      expect(t.db.$client.prepare('SELECT count(*) AS n FROM coupons').get()).toEqual({ n: 80 })
    } finally {
      t.cleanup()
    }
  })

  it('never shows "database is locked" while the sender, an import and web requests write at once', { timeout: 120_000 }, async () => {
    const t = tempDatabase()
    try {
      const people = await customersWithLinks(t.db, 120, 'W')
      await importText(t.db, 'customers', ['customer_id,email,locale,email_consent', ...Array.from({ length: 600 }, (_, i) => `M${i},m${i}@example.com,de,granted`)].join('\n'))
      const campaign = testCampaign(t.db, { name: 'Busy', target: {}, reminders: 0, reminderDays: [] })
      changeCampaignState(t.db, campaign.id, 'start', 'test')
      // An orders file for every customer, imported by the CLI in its own process while the server is busy.
      const customers = t.db.$client.prepare('SELECT external_id AS id FROM customers').all() as { id: string }[]
      const lines = ['order_id,customer_id,ordered_at,total']
      for (let i = 0; i < 150_000; i++) lines.push(`O${i},${customers[i % customers.length]!.id},2025-0${1 + (i % 9)}-1${i % 10},${(i % 90) + 10}.50`)
      const file = join(t.dir, 'orders.csv')
      writeFileSync(file, lines.join('\n'))

      const server = await spawnServer(t.file)
      try {
        const importer = spawn(process.execPath, ['src/cli/comeback.js', 'import', 'orders', file], { env: { ...process.env, BASE_URL: '', COMEBACK_DB: t.file, LOG_LEVEL: 'error', CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] })
        let importOut = ''
        importer.stdout.on('data', (d: Buffer) => (importOut += d.toString()))
        importer.stderr.on('data', (d: Buffer) => (importOut += d.toString()))
        const imported = new Promise<number | null>((resolve) => importer.on('exit', (code) => resolve(code)))

        const statuses: number[] = []
        await Promise.all(
          Array.from({ length: 8 }, async (_, w) => {
            for (let i = w; i < people.length; i += 8) {
              for (const [question, values] of STEPS) statuses.push(await post(`${server.url}/s/${people[i]!.token}`, question, values))
            }
          }),
        )
        expect(await imported, JSON.stringify(importOut)).toBe(0)
        expect(importOut).not.toMatch(/locked|SQLITE_BUSY/i)
        // The background sender works through the campaign meanwhile (the outbox folder: no SMTP here).
        for (let i = 0; i < 200; i++) {
          const left = t.db.$client.prepare("SELECT count(*) AS n FROM messages WHERE campaign_id = ? AND status IN ('queued', 'sending')").get(campaign.id) as { n: number }
          if (left.n === 0) break
          await new Promise((r) => setTimeout(r, 100))
        }
        expect(statuses.filter((s) => s !== 303)).toEqual([])
        expect(server.output()).not.toMatch(/locked|SQLITE_BUSY/i)
        expect(t.db.$client.prepare("SELECT status, count(*) AS n FROM messages WHERE campaign_id = ? GROUP BY status").all(campaign.id)).toEqual([{ status: 'sent', n: 720 }])
        expect(t.db.$client.prepare('SELECT count(*) AS n FROM orders').get()).toEqual({ n: 150_000 })
        expect(t.db.$client.prepare("SELECT count(*) AS n FROM responses WHERE status = 'complete'").get()).toEqual({ n: 120 })
      } finally {
        await server.stop()
      }
    } finally {
      t.cleanup()
    }
  })
})
