import { describe, expect, it } from 'vitest'
import { defaultForm } from '../../src/services/campaign-form.ts'
import { getBrand, getMailSettings } from '../../src/services/settings.ts'
import { START_IN_WORKER_FROM } from '../../src/services/campaigns.ts'
import { useTestApp } from '../helpers/build-app.ts'
import { testCampaign } from '../helpers/campaigns.ts'
import { addUser, formToken, importText, login } from '../helpers/factories.ts'

describe('campaign builder, campaign page and outbox', () => {
  const t = useTestApp()

  async function seed() {
    await importText(t.db, 'customers', 'customer_id,email,first_name,locale,email_consent\nA1,a1@example.com,Ada,de,granted\nA2,a2@example.com,Ben,en,granted\nA3,a3@example.com,Cem,de,objected\nA4,,Dora,de,granted\n')
    await addUser(t.db, 'manager')
    return (await login(t.app, 'manager@example.com')).jar
  }
  const form = (jar: { header: () => string }, values: Record<string, string | string[]>, token: string) => {
    const body = new URLSearchParams()
    for (const [k, v] of Object.entries({ ...values, _csrf: token })) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x)
    return { headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' }, payload: body.toString() }
  }
  const defaults = () => Object.fromEntries(Object.entries(defaultForm()).filter(([, v]) => v !== undefined)) as Record<string, string | string[]>

  it('counts the reach live, saves a draft, starts it, and shows each mail in the outbox', async () => {
    const jar = await seed()
    const values = { ...defaults(), name: 'Spring win-back', target_status: '', send_days: ['1', '2', '3', '4', '5', '6', '7'], send_from: '00:00', send_to: '23:59', time_zone: 'UTC', holdout: '0' }
    const pairs = Object.entries(values).flatMap(([k, v]): [string, string][] => (Array.isArray(v) ? v.map((x): [string, string] => [k, x]) : [[k, v]]))
    const preview = await t.app.inject({ url: `/admin/campaigns/preview?${new URLSearchParams(pairs)}`, headers: { cookie: jar.header(), 'hx-request': 'true' } })
    expect(preview.body).toMatch(/<p class="big-number">2 <span>to be mailed<\/span><\/p>/)
    expect(preview.body).toMatch(/Objected to contact<\/span> <strong>1<\/strong>/)
    expect(preview.body).toMatch(/No email address<\/span> <strong>1<\/strong>/)

    const bad = await t.app.inject({ method: 'POST', url: '/admin/campaigns', ...form(jar, { ...values, send_from: '18:00', send_to: '09:00' }, await formToken(t.app, jar, '/admin/campaigns/new')) })
    expect(bad.statusCode).toBe(400)
    expect(bad.body).toContain('Send until: must end after the window starts')

    const created = await t.app.inject({ method: 'POST', url: '/admin/campaigns', ...form(jar, values, await formToken(t.app, jar, '/admin/campaigns/new')) })
    expect(created.statusCode).toBe(303)
    const page = created.headers.location as string
    const draft = await t.app.inject({ url: page, headers: { cookie: jar.header() } })
    expect(draft.body).toContain('Spring win-back')
    expect(draft.body).toContain('Start sending now')

    const started = await t.app.inject({ method: 'POST', url: `${page}/action`, ...form(jar, { action: 'start' }, await formToken(t.app, jar, page)) })
    expect(started.statusCode).toBe(303)
    await t.app.mailSender.idle()
    for (let i = 0; i < 50 && (t.db.$client.prepare("SELECT count(*) AS n FROM messages WHERE status = 'sent'").get() as { n: number }).n < 2; i++) {
      t.app.mailSender.kick()
      await t.app.mailSender.idle()
    }
    const progress = await t.app.inject({ url: page, headers: { cookie: jar.header(), 'hx-request': 'true', 'hx-target': 'campaign-progress' } })
    expect(progress.body.trimStart()).toMatch(/^<section id="campaign-progress"/)
    expect(progress.body).toMatch(/<dt>Sent<\/dt><dd>2<\/dd>/)

    const outbox = await t.app.inject({ url: '/admin/outbox', headers: { cookie: jar.header() } })
    expect(outbox.body).toContain('Ada, wir vermissen Sie')
    const id = /href="\/admin\/outbox\/(\d+)">Ada, wir vermissen Sie/.exec(outbox.body)![1]
    const message = await t.app.inject({ url: `/admin/outbox/${id}`, headers: { cookie: jar.header() } })
    expect(message.body).toContain('Zur Umfrage (2–3 Minuten)')
    expect(message.body).toMatch(/List-Unsubscribe-Post: List-Unsubscribe=One-Click/)
    const html = await t.app.inject({ url: `/admin/outbox/${id}/html`, headers: { cookie: jar.header() } })
    expect(html.headers['content-security-policy']).toContain("style-src 'unsafe-inline'")
    expect(html.headers['content-security-policy']).not.toContain('script')
    expect(html.body).toMatch(/href="http:\/\/127\.0\.0\.1:3000\/s\/[\w-]{32}"/)

    const mailPreview = await t.app.inject({ url: `${page}/mail?kind=reminder&lang=en`, headers: { cookie: jar.header() } })
    expect(mailPreview.body).toContain('Two more minutes for us')
  })

  it('lets admins allow the existing-customer basis and name the shop; bad values change nothing', async () => {
    await seed()
    await addUser(t.db, 'admin')
    const admin = (await login(t.app, 'admin@example.com')).jar
    const save = async (values: Record<string, string>) => t.app.inject({ method: 'POST', url: '/admin/settings/mail', ...form(admin, values, await formToken(t.app, admin, '/admin/settings')) })
    expect((await save({ shop_name: 'Rösterei Nord', existing_customer: 'on', overdue_minutes: '90' })).statusCode).toBe(200)
    expect(getMailSettings(t.db)).toEqual({ existingCustomerBasis: true, overdueMinutes: 90 })
    expect(getBrand(t.db).name).toBe('Rösterei Nord')
    const bad = await save({ shop_name: '', overdue_minutes: '90' })
    expect(bad.statusCode).toBe(400)
    expect(getMailSettings(t.db).existingCustomerBasis).toBe(true)
    expect((await save({ shop_name: 'X', overdue_minutes: 'soon' })).statusCode).toBe(400)
    expect(getBrand(t.db).name).toBe('Rösterei Nord')
  })

  it('starts a campaign over a large shop in a worker thread while the server keeps answering', async () => {
    const n = START_IN_WORKER_FROM
    await importText(t.db, 'customers', ['customer_id,email,locale,email_consent', ...Array.from({ length: n }, (_, i) => `W${i},w${i}@example.com,de,granted`)].join('\n'))
    await addUser(t.db, 'manager')
    const jar = (await login(t.app, 'manager@example.com')).jar
    const campaign = testCampaign(t.db, { holdoutPercent: 10 })
    const page = `/admin/campaigns/${campaign.id}`
    let done = false
    const start = t.app.inject({ method: 'POST', url: `${page}/action`, ...form(jar, { action: 'start' }, await formToken(t.app, jar, page)) }).finally(() => (done = true))
    // The draw runs on a connection of its own: the server's event loop answers meanwhile.
    let answered = 0
    while (!done) {
      if ((await t.app.inject('/healthz')).statusCode === 200 && !done) answered++
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    expect((await start).statusCode).toBe(303)
    expect(answered).toBeGreaterThan(5)
    const count = (sql: string) => (t.db.$client.prepare(sql).get(campaign.id) as { n: number }).n
    expect(count("SELECT count(*) AS n FROM campaigns WHERE id = ? AND status = 'sending'")).toBe(1)
    expect(count('SELECT count(*) AS n FROM campaign_members WHERE campaign_id = ?')).toBe(n)
    expect(count('SELECT count(*) AS n FROM campaign_members WHERE campaign_id = ? AND holdout = 1')).toBe(n / 10)
    expect(count("SELECT count(*) AS n FROM messages WHERE campaign_id = ? AND kind = 'invitation'")).toBe(n - n / 10)
  })

  it('is closed to staff', async () => {
    await seed()
    await addUser(t.db, 'staff')
    const staff = (await login(t.app, 'staff@example.com')).jar
    for (const url of ['/admin/campaigns', '/admin/campaigns/new', '/admin/outbox']) expect((await t.app.inject({ url, headers: { cookie: staff.header() } })).statusCode).toBe(403)
  })
})
