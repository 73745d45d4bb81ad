import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { migrationsApplied, openDatabase } from '../../src/db/client.ts'
import { loadDemoShop } from '../../src/services/demo.ts'
import { testConfig, useTestApp } from '../helpers/build-app.ts'
import { addUser, login } from '../helpers/factories.ts'

/** A backup (SPEC §11) while the server keeps writing: consistent, complete, and it opens with the app. */
describe('backup', () => {
  const t = useTestApp()

  it('downloads a consistent copy for admins while writes go on, which opens with the app', async () => {
    loadDemoShop(t.db, { customers: 3000, seed: 2, asOf: new Date('2026-06-30'), defaultLocale: 'de', defaultCurrency: 'EUR' })
    await addUser(t.db, 'admin')
    const { jar } = await login(t.app, 'admin@example.com')
    // Orders keep coming in, one a tick, for as long as the backup runs.
    let writing = true
    let written = 0
    const customer = (t.db.$client.prepare('SELECT id FROM customers LIMIT 1').get() as { id: number }).id
    const insert = t.db.$client.prepare("INSERT INTO orders (external_id, customer_id, ordered_at, total_cents, currency) VALUES (?, ?, '2026-06-29T10:00:00.000Z', 1000, 'EUR')")
    const writer = (async () => {
      while (writing) {
        insert.run(`LIVE-${written++}`, customer)
        await new Promise((r) => setImmediate(r))
      }
    })()
    const res = await t.app.inject({ url: '/admin/settings/backup', headers: { cookie: jar.header() } })
    writing = false
    await writer
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="comeback-\d{4}-\d{2}-\d{2}\.db"/)
    expect(written).toBeGreaterThan(0)
    const file = join(t.dir, 'restored.db')
    writeFileSync(file, res.rawPayload)
    const copy = openDatabase(file)
    try {
      expect(copy.$client.pragma('integrity_check', { simple: true })).toBe('ok')
      expect(migrationsApplied(copy)).toBe(true)
      const live = (copy.$client.prepare("SELECT count(*) AS n FROM orders WHERE external_id LIKE 'LIVE-%'").get() as { n: number }).n
      // Every order up to a moment, none half-written: the copy is one consistent state.
      expect(live).toBeLessThanOrEqual(written)
      expect(copy.$client.prepare("SELECT count(*) AS n FROM orders WHERE external_id NOT LIKE 'LIVE-%'").get()).toEqual(t.db.$client.prepare("SELECT count(*) AS n FROM orders WHERE external_id NOT LIKE 'LIVE-%'").get())
      const app = await buildApp({ config: testConfig(file), db: copy })
      expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200)
      await app.close()
    } finally {
      copy.$client.close()
    }
    expect(t.db.$client.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'backup'").get()).toEqual({ n: 1 })
    await addUser(t.db, 'manager')
    const manager = (await login(t.app, 'manager@example.com')).jar
    expect((await t.app.inject({ url: '/admin/settings/backup', headers: { cookie: manager.header() } })).statusCode).toBe(403)
  })
})
