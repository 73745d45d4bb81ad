import { describe, expect, it } from 'vitest'
import { useTestApp } from '../helpers/build-app.ts'
import { analyze } from '../../src/services/analyze.ts'
import { addUser, importText, login } from '../helpers/factories.ts'

const xss = '<script>alert(1)</script>'
const hx = '<b hx-get="/admin/users" hx-trigger="load">x</b>'

describe('customer list and page', () => {
  const t = useTestApp()

  async function seed() {
    await addUser(t.db, 'staff')
    const rows = ['customer_id,email,first_name,last_name,email_consent']
    for (let i = 1; i <= 120; i++) rows.push(`C${String(i).padStart(3, '0')},c${i}@example.com,Kim,Nummer${String(i).padStart(3, '0')},granted`)
    rows.push(`EVIL,evil@example.com,"${xss.replace(/"/g, '""')}","${hx.replace(/"/g, '""')}",yes`)
    rows.push('ANNA,anna.schmidt@example.com,Anna,Schmidt,nein')
    await importText(t.db, 'customers', rows.join('\n'))
    await importText(
      t.db,
      'orders',
      `order_id,customer_id,ordered_at,total,items\nO1,ANNA,2024-01-02,10.00,Espresso\nO2,ANNA,2024-03-04,25.50,"Tea|${hx.replace(/"/g, '""')}"\nO3,C001,2024-02-02,99.00,Grinder\n`,
    )
    analyze(t.db, { asOf: '2024-06-30', trigger: 'cli' })
    return (await login(t.app, 'staff@example.com')).jar
  }

  it('searches by name, email and id, and counts the matches', async () => {
    const jar = await seed()
    const get = (q: string) => t.app.inject({ url: `/admin/customers?q=${encodeURIComponent(q)}`, headers: { cookie: jar.header() } })
    const byName = await get('schmidt')
    expect(byName.body).toContain('1 customer matching')
    expect(byName.body).toContain('Anna Schmidt')
    expect((await get('anna.schmidt@')).body).toContain('Anna Schmidt')
    expect((await get('ANNA')).body).toContain('Anna Schmidt')
    expect((await get('Nummer11')).body).toContain('10 customers matching')
    // LIKE wildcards are searched for literally.
    expect((await get('%')).body).toContain('0 customers')
  })

  it('pages through 50 at a time and sorts by allow-listed columns only', async () => {
    const jar = await seed()
    const get = (qs: string) => t.app.inject({ url: `/admin/customers?${qs}`, headers: { cookie: jar.header() } })
    const first = await get('sort=id&dir=asc')
    expect(first.body).toContain('Page 1 of 3')
    expect(first.body.match(/<tr>\s*<td><a href="\/admin\/customers\/\d+">/g)).toHaveLength(50)
    const third = await get('sort=id&dir=asc&page=3')
    expect(third.body).toContain('Page 3 of 3')
    expect(third.body).toContain('C120')
    const bySpend = await get('sort=spend&dir=desc')
    expect(bySpend.body.indexOf('C001')).toBeLessThan(bySpend.body.indexOf('Anna Schmidt'))
    expect(bySpend.body).toContain('aria-sort="descending"')
    // Not an allowed column: the default order, no error, no SQL from the URL.
    const evil = await get('sort=' + encodeURIComponent('email; DROP TABLE customers') + '&dir=sideways')
    expect(evil.statusCode).toBe(200)
    expect(evil.body).toContain('aria-sort="ascending"')
    expect(t.db.$client.prepare('SELECT count(*) AS n FROM customers').get()).toEqual({ n: 122 })
  })

  it('filters by lapse status and analysis facts, and says when a filter value is bad', async () => {
    const jar = await seed()
    const get = (qs: string) => t.app.inject({ url: `/admin/customers?${qs}`, headers: { cookie: jar.header() } })
    // ANNA last bought on 2024-03-04 (2 orders 62 days apart), 118 days before 2024-06-30: 1.9 gaps, at risk.
    const atRisk = await get('status=at_risk')
    expect(atRisk.body).toContain('1 customer matching the filters')
    expect(atRisk.body).toContain('Anna Schmidt')
    expect((await get('status=lapsed')).body).not.toContain('Anna Schmidt')
    expect((await get('status=none')).body).toContain('120 customers matching the filters')
    expect((await get('min_orders=2')).body).toContain('Anna Schmidt')
    expect((await get('min_spend=50')).body).toContain('Nummer001')
    expect((await get('min_spend=50')).body).not.toContain('Anna Schmidt')
    const bad = await get('min_orders=lots')
    expect(bad.statusCode).toBe(400)
    expect(bad.body).toContain('min_orders: must be a number')
    expect((await get('status=gone')).statusCode).toBe(400)
  })

  it('answers the htmx search with the result fragment only', async () => {
    const jar = await seed()
    const res = await t.app.inject({
      url: '/admin/customers?q=schmidt',
      headers: { cookie: jar.header(), 'hx-request': 'true', 'hx-target': 'customer-results' },
    })
    expect(res.body.trimStart()).toMatch(/^<div id="customer-results">/)
    expect(res.body).not.toContain('<html')
    expect(res.body).toContain('Anna Schmidt')
  })

  it("shows one customer's facts, orders and consent history", async () => {
    const jar = await seed()
    const id = (t.db.$client.prepare("SELECT id FROM customers WHERE external_id = 'ANNA'").get() as { id: number }).id
    const res = await t.app.inject({ url: `/admin/customers/${id}`, headers: { cookie: jar.header() } })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('anna.schmidt@example.com')
    expect(res.body).toContain('O1')
    expect(res.body).toContain('€35.50')
    expect(res.body).toMatch(/<strong>Objected<\/strong>/)
    expect(res.body).toContain('Import of customers.csv, line 123')
    expect((await t.app.inject({ url: '/admin/customers/999999', headers: { cookie: jar.header() } })).statusCode).toBe(404)
  })

  it('shows imported names and items escaped everywhere, never as markup', async () => {
    const jar = await seed()
    const list = await t.app.inject({ url: '/admin/customers?q=EVIL', headers: { cookie: jar.header() } })
    const evilId = (t.db.$client.prepare("SELECT id FROM customers WHERE external_id = 'EVIL'").get() as { id: number }).id
    const anna = (t.db.$client.prepare("SELECT id FROM customers WHERE external_id = 'ANNA'").get() as { id: number }).id
    const pages = [
      list.body,
      (await t.app.inject({ url: `/admin/customers/${evilId}`, headers: { cookie: jar.header() } })).body,
      (await t.app.inject({ url: `/admin/customers/${anna}`, headers: { cookie: jar.header() } })).body,
    ]
    for (const body of pages) {
      expect(body).not.toContain(xss)
      expect(body).not.toContain('hx-get="/admin/users"')
      expect(body).not.toContain('<b hx-')
    }
    expect(pages[0]).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(pages[2]).toContain('&lt;b hx-get=&quot;/admin/users&quot;')
  })
})
