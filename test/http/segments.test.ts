import { describe, expect, it } from 'vitest'
import { analyze } from '../../src/services/analyze.ts'
import { loadDemoShop } from '../../src/services/demo.ts'
import { useTestApp } from '../helpers/build-app.ts'
import { addUser, formToken, login } from '../helpers/factories.ts'

describe('segment pages', () => {
  const t = useTestApp()

  async function signedIn(role: 'manager' | 'staff') {
    await addUser(t.db, role)
    return (await login(t.app, `${role}@example.com`)).jar
  }
  const post = async (jar: Awaited<ReturnType<typeof signedIn>>, url: string, fields: Record<string, string>) => {
    const csrf = await formToken(t.app, jar, '/admin/segments/new')
    return t.app.inject({ method: 'POST', url, headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ _csrf: csrf, ...fields }).toString() })
  }

  it('builds, counts without JavaScript, saves, lists and shows a segment', async () => {
    loadDemoShop(t.db, { customers: 300, seed: 4, asOf: new Date('2026-06-30'), defaultLocale: 'de', defaultCurrency: 'EUR' })
    analyze(t.db, { trigger: 'manual', asOf: '2026-06-30' })
    const jar = await signedIn('manager')
    const list = await t.app.inject({ url: '/admin/segments', headers: { cookie: jar.header() } })
    expect(list.statusCode).toBe(200)
    expect(list.body).toContain('Churn reason: Delivery problems')
    const rules = { name: 'Lapsed big spenders', match: 'all', count: '2', groups: '0', f_0: 'lapse_status', o_0: 'is', v_0: 'lapsed', g_0: '0', f_1: 'spend', o_1: 'gte', v_1: '50', g_1: '0' }
    const counted = await post(jar, '/admin/segments', { ...rules, action: 'count' })
    expect(counted.statusCode).toBe(200)
    const n = Number(/class="big-number">([\d,]+)/.exec(counted.body)![1]!.replace(/,/g, ''))
    const expected = (t.db.$client.prepare("SELECT count(*) AS n FROM customer_analysis WHERE lapse_status = 'lapsed' AND spend_cents >= 5000").get() as { n: number }).n
    expect(n).toBe(expected)
    const saved = await post(jar, '/admin/segments', { ...rules, action: 'save' })
    expect(saved.statusCode).toBe(303)
    const page = await t.app.inject({ url: saved.headers.location as string, headers: { cookie: jar.header() } })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Lapsed big spenders')
    const key = (saved.headers.location as string).split('/').pop()!
    const deleted = await post(jar, `/admin/segments/${key}/delete`, {})
    expect(deleted.statusCode).toBe(303)
    expect((await t.app.inject({ url: `/admin/segments/${key}`, headers: { cookie: jar.header() } })).statusCode).toBe(404)
    expect((await post(jar, '/admin/segments/won-back/delete', {})).statusCode).toBe(409)
  })

  it('refuses an unknown field, operator or value with a message naming it, and saves nothing', async () => {
    const jar = await signedIn('manager')
    for (const [row, says] of [
      [{ f_0: 'shoe_size', o_0: 'is', v_0: '42' }, 'There is no fact “shoe_size”'],
      [{ f_0: 'orders', o_0: 'like', v_0: '2' }, '“like” is not a comparison for “orders”'],
      [{ f_0: 'orders', o_0: 'gt', v_0: 'many' }, '“orders” needs a number from 0 to'],
      [{ f_0: 'lapse_status', o_0: 'is', v_0: "lapsed' OR 1=1 --" }, 'is not a value of “lapse_status”'],
    ] as const) {
      const res = await post(jar, '/admin/segments', { name: 'Bad', match: 'all', count: '1', groups: '0', g_0: '0', ...row, action: 'save' })
      expect(res.statusCode).toBe(400)
      expect(res.body).toContain(says)
    }
    expect((t.db.$client.prepare('SELECT count(*) AS n FROM segments').get() as { n: number }).n).toBe(0)
  })

  it('lets staff see and export segments, but not build or change them', async () => {
    const jar = await signedIn('staff')
    expect((await t.app.inject({ url: '/admin/segments', headers: { cookie: jar.header() } })).statusCode).toBe(200)
    expect((await t.app.inject({ url: '/admin/segments/new', headers: { cookie: jar.header() } })).statusCode).toBe(403)
    const csrf = await formToken(t.app, jar, '/admin/segments')
    const create = await t.app.inject({ method: 'POST', url: '/admin/segments', headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ _csrf: csrf, name: 'x', action: 'save' }).toString() })
    expect(create.statusCode).toBe(403)
    const csv = await t.app.inject({ url: '/admin/segments/won-back/export?purpose=analysis', headers: { cookie: jar.header() } })
    expect(csv.statusCode).toBe(200)
    expect(csv.headers['content-type']).toContain('text/csv')
    expect(csv.body.startsWith('\uFEFFcustomer_id;first_name')).toBe(true)
  })

  it('shows admins the audit log, filtered by kind, user and date, and keeps it from everyone else', async () => {
    const staff = await signedIn('staff')
    await t.app.inject({ url: '/admin/segments/won-back/export?purpose=contact-email', headers: { cookie: staff.header() } })
    expect((await t.app.inject({ url: '/admin/audit', headers: { cookie: staff.header() } })).statusCode).toBe(403)
    await addUser(t.db, 'admin')
    const admin = (await login(t.app, 'admin@example.com')).jar
    const today = new Date().toISOString().slice(0, 10)
    const page = await t.app.inject({ url: `/admin/audit?kind=export&actor=staff%40example.com&from=${today}&to=${today}`, headers: { cookie: admin.header() } })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('1 entry')
    expect(page.body).toContain('export.segment')
    expect(page.body).toContain('contact-email')
    const none = await t.app.inject({ url: '/admin/audit?kind=export&actor=admin%40example.com', headers: { cookie: admin.header() } })
    expect(none.body).toContain('0 entries')
  })
})
