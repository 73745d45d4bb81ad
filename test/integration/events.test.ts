import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { analyze } from '../../src/services/analyze.ts'
import { segmentSize } from '../../src/services/segments.ts'
import { useTestApp } from '../helpers/build-app.ts'
import { addUser, importText, login } from '../helpers/factories.ts'

const DAY = 86_400_000
const day = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY).toISOString().slice(0, 10)

/** events.csv (SPEC §3): complaints, late payments and more, imported by the same rules as orders, feeding the early warning. */
describe('events', () => {
  const t = useTestApp()
  const count = (sql: string) => (t.db.$client.prepare(sql).get() as { n: number }).n

  async function shop() {
    await importText(t.db, 'customers', 'customer_id,email,first_name\nK1,k1@example.com,Kai\nK2,k2@example.com,Kim\nK3,k3@example.com,Kat\nK4,k4@example.com,Kurt\n')
    // Four regular customers, every 10 days for a year: all active.
    const orders = ['order_id,customer_id,ordered_at,total']
    for (const c of ['K1', 'K2', 'K3', 'K4']) for (let i = 0; i < 36; i++) orders.push(`${c}-${i},${c},${day(5 + i * 10)},30.00`)
    await importText(t.db, 'orders', orders.join('\n'))
  }

  it('imports events by the same rules as orders: all or nothing, each problem with line, column and reason', async () => {
    await shop()
    const bad = await importText(
      t.db,
      'events',
      [
        'customer_id,occurred_at,kind,note,event_id',
        `K1,${day(10)},complaint,Paket beschädigt,E1`,
        `NOPE,${day(10)},complaint,,E2`,
        `K2,${day(10)},grumble,,E3`,
        `K2,31.02.2026,late_payment,,E4`,
        `K3,${day(10)},return,,E1`,
        `K4,${day(3)},Beschwerde,kalt,`,
        `K4,${day(3)},Beschwerde,kalt,`,
      ].join('\n'),
    )
    expect(bad.imported).toBe(false)
    expect(count('SELECT count(*) AS n FROM events')).toBe(0)
    expect(bad.problems.map((p) => [p.line, p.column, p.reason])).toEqual([
      [3, 'customer_id', expect.stringContaining('NOPE')],
      [4, 'kind', expect.stringContaining('“grumble” is not an event kind: one of complaint, late_payment, return, support_contact, cancellation, other')],
      [5, 'occurred_at', expect.stringContaining('31.02.2026')],
      [6, 'event_id', expect.stringContaining('E1')],
      [8, null, 'The same event as line 7 (customer, time, kind and note).'],
    ])
    const missing = await importText(t.db, 'events', 'customer_id,kind\nK1,complaint\n')
    expect(missing.fileError).toContain('occurred_at')
  })

  it('adds a file once however often it comes, keeps German kinds, and updates an event by its event_id', async () => {
    await shop()
    const file = ['customer_id,occurred_at,kind,note,event_id', `K1,${day(10)},complaint,Paket beschädigt,E1`, `K2,${day(20)},Zahlungsverzug,,`, `K2,${day(50)},late_payment,,`].join('\n')
    expect(await importText(t.db, 'events', file)).toMatchObject({ imported: true, inserted: 3 })
    expect(await importText(t.db, 'events', file)).toMatchObject({ imported: true, inserted: 0, updated: 0, unchanged: 3 })
    expect(t.db.$client.prepare("SELECT kind FROM events WHERE customer_id = (SELECT id FROM customers WHERE external_id = 'K2') ORDER BY occurred_at").all()).toEqual([{ kind: 'late_payment' }, { kind: 'late_payment' }])
    expect(await importText(t.db, 'events', `customer_id,occurred_at,kind,note,event_id\nK1,${day(10)},complaint,Paket kam beschädigt an,E1\n`)).toMatchObject({ inserted: 0, updated: 1 })
    expect(count("SELECT count(*) AS n FROM events WHERE note = 'Paket kam beschädigt an'")).toBe(1)
  })

  it('fires the early warning of an active customer, in words, and makes events a field for segments and a part of the customer page', async () => {
    await shop()
    await importText(
      t.db,
      'events',
      ['customer_id,occurred_at,kind,note', `K1,${day(12)},complaint,Lieferung kam kalt an`, `K2,${day(20)},late_payment,`, `K2,${day(100)},late_payment,`, `K3,${day(200)},complaint,alt`, `K4,${day(30)},late_payment,`].join('\n'),
    )
    analyze(t.db, { trigger: 'manual' })
    const warnings = Object.fromEntries(
      (t.db.$client.prepare('SELECT c.external_id AS id, a.early_warning AS w, a.lapse_status AS s FROM customer_analysis a JOIN customers c ON c.id = a.customer_id').all() as { id: string; w: string | null; s: string }[]).map((r) => [r.id, [r.s, r.w]]),
    )
    // A complaint 12 days ago; two late payments within 180 days; a complaint long ago and one late payment say nothing.
    expect(warnings).toEqual({ K1: ['active', 'complaint'], K2: ['active', 'late_payments'], K3: ['active', null], K4: ['active', null] })
    const recent = segmentSize(t.db, { version: 1, root: { match: 'all', rules: [{ field: 'last_complaint', op: 'within', value: 30 }] } })
    expect(recent.customers).toBe(1)
    expect(segmentSize(t.db, { version: 1, root: { match: 'all', rules: [{ field: 'late_payments', op: 'gte', value: 2 }] } }).customers).toBe(1)
    await addUser(t.db, 'staff', 'staff@example.com', 'de')
    const { jar } = await login(t.app, 'staff@example.com')
    const id = count("SELECT id AS n FROM customers WHERE external_id = 'K1'")
    const page = await t.app.inject({ url: `/admin/customers/${id}`, headers: { cookie: jar.header() } })
    expect(page.body).toContain('Hat sich in den letzten 90 Tagen beschwert')
    expect(page.body).toMatch(/<td>Beschwerde<\/td><td>Lieferung kam kalt an<\/td>/)
  })

  it('imports events.csv from the command line', () => {
    const file = join(t.dir, 'events.csv')
    writeFileSync(file, `customer_id,occurred_at,kind\nNOPE,${day(1)},complaint\n`)
    const r = spawnSync(process.execPath, ['src/cli/comeback.js', 'import', 'events', file], { encoding: 'utf8', env: { ...process.env, BASE_URL: '', COMEBACK_DB: join(t.dir, 'cli.db'), LOG_LEVEL: 'silent', CI: '1' } })
    expect(r.status).toBe(1)
    expect(r.stdout + r.stderr).toMatch(/line 2.*customer_id.*NOPE/s)
  })
})
