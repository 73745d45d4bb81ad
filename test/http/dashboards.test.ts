import { describe, expect, it } from 'vitest'
import { analyze } from '../../src/services/analyze.ts'
import { loadDemoShop } from '../../src/services/demo.ts'
import { saveSegment, segmentWhere } from '../../src/services/segments.ts'
import { SEGMENT_VERSION } from '../../src/domain/segment.ts'
import { outnumbersCustomers, reasonCounts, responseRate, scoreCounts, wonBack } from '../../src/repos/dashboard.ts'
import { campaignLift } from '../../src/services/winback.ts'
import { useTestApp } from '../helpers/build-app.ts'
import { addUser, login } from '../helpers/factories.ts'

describe('dashboards', () => {
  const t = useTestApp()

  async function manager() {
    loadDemoShop(t.db, { customers: 600, seed: 11, asOf: new Date('2026-06-30'), defaultLocale: 'de', defaultCurrency: 'EUR' })
    analyze(t.db, { trigger: 'manual', asOf: '2026-06-30' })
    await addUser(t.db, 'manager')
    return (await login(t.app, 'manager@example.com')).jar
  }
  const count = (sql: string) => (t.db.$client.prepare(sql).get() as { n: number }).n
  /** Win-back figures that take a second to work out, as over a big shop; the delay starts when one is first asked for. Returns the undo. */
  function slowWinBack(): () => void {
    const figure = t.app.figure
    let first: Promise<unknown> | undefined
    t.app.figure = ((r: Parameters<typeof figure>[0]) => (r.name === 'lift' ? (first ??= new Promise((resolve) => setTimeout(resolve, 1000))).then(() => figure(r)) : figure(r))) as typeof figure
    return () => {
      t.app.figure = figure
    }
  }
  /** A manager signed in to a demo shop of `customers` whose win-back figures are slow (slowWinBack), for `check`. */
  async function withSlowWinBack(customers: number, check: (jar: Awaited<ReturnType<typeof login>>['jar']) => Promise<void>): Promise<void> {
    loadDemoShop(t.db, { customers, seed: 11, asOf: new Date('2026-06-30'), defaultLocale: 'de', defaultCurrency: 'EUR' })
    await addUser(t.db, 'manager')
    const jar = (await login(t.app, 'manager@example.com')).jar
    const restore = slowWinBack()
    try {
      await check(jar)
    } finally {
      restore()
    }
  }
  /** The Overview's "gained against the holdout" value, as shown. */
  const gainedOn = (body: string) => /Gained against the holdout<\/p><p class="kpi-value">([^<]+)</.exec(body)?.[1]

  it('shows managers the overview with the figures of the demo shop; staff start on the customers', async () => {
    const jar = await manager()
    const page = await t.app.inject({ url: '/admin', headers: { cookie: jar.header() } })
    expect(page.statusCode).toBe(200)
    const answered = count("SELECT count(*) AS n FROM responses WHERE status = 'complete'")
    expect(page.body).toContain(`${answered} answers`)
    expect(page.body).toMatch(/Won back<\/p><p class="kpi-value">[1-9]/)
    expect(page.body).toContain('<svg')
    // The same filters as the reasons page, on the server: English answers only.
    const english = await t.app.inject({ url: '/admin?locale=en', headers: { cookie: jar.header() } })
    expect(english.body).toContain(`${count("SELECT count(*) AS n FROM responses WHERE status = 'complete' AND locale = 'en' AND nps IS NOT NULL")} answers`)
    // The value at stake counts the customers the filter selects: here the English-speaking ones.
    const stakeCustomers = (body: string) => [...body.matchAll(/status-(?:active|at_risk|lapsed|lost)">[^<]+<\/span><\/a><\/th>\s*<td class="num">([\d,]+)</g)].reduce((n, m) => n + Number(m[1]!.replace(/,/g, '')), 0)
    expect(stakeCustomers(page.body)).toBe(count('SELECT count(*) AS n FROM customer_analysis'))
    expect(stakeCustomers(english.body)).toBe(count("SELECT count(*) AS n FROM customer_analysis a JOIN customers c ON c.id = a.customer_id WHERE c.locale = 'en'"))
    expect(english.body).toContain('Only the customers of the chosen campaign')
    const fragment = await t.app.inject({ url: '/admin?campaign=1', headers: { cookie: jar.header(), 'hx-request': 'true', 'hx-target': 'overview-body' } })
    expect(fragment.body.startsWith('<div id="overview-body">')).toBe(true)
    await addUser(t.db, 'staff')
    const staff = (await login(t.app, 'staff@example.com')).jar
    const landing = await t.app.inject({ url: '/admin', headers: { cookie: staff.header() } })
    expect(landing.statusCode).toBe(303)
    expect(landing.headers.location).toBe('/admin/customers')
    expect((await t.app.inject({ url: '/admin/reasons', headers: { cookie: staff.header() } })).statusCode).toBe(403)
  })

  it('sums on the Overview the revenue gained that each campaign’s own win-back figure measured against its holdout', async () => {
    loadDemoShop(t.db, { customers: 1500, seed: 11, asOf: new Date('2026-06-30'), defaultLocale: 'de', defaultCurrency: 'EUR' })
    await addUser(t.db, 'manager')
    const jar = (await login(t.app, 'manager@example.com')).jar
    const lift = campaignLift(t.db, 1).overall
    expect(lift.enough).toBe(true)
    const page = await t.app.inject({ url: '/admin', headers: { cookie: jar.header() } })
    const kpi = /Gained against the holdout<\/p><p class="kpi-value">([^<]+)<\/p><p class="kpi-sub">([^<]+)</.exec(page.body)
    expect(kpi?.[1]?.replace(/\D/g, '')).toBe(String(lift.gainedCents))
    expect(kpi?.[2]).toBe('revenue from 1 campaign, net of incentives')
    // Filtered to a campaign there is not: nothing measured.
    const none = await t.app.inject({ url: '/admin?campaign=999', headers: { cookie: jar.header() } })
    expect(gainedOn(none.body)).toBe('–')
  })

  it('shows the Overview without waiting long for a win-back still being worked out, and asks again for it', async () => {
    await withSlowWinBack(1500, async (jar) => {
      // Answered while the figure was still being worked out (no clock: a loaded machine is slow).
      const page = await t.app.inject({ url: '/admin', headers: { cookie: jar.header() } })
      expect(page.body).toContain('still being worked out for the campaigns: appears in a moment (or reload)')
      expect(page.body).toContain('aria-busy="true" hx-get="/admin" hx-trigger="load delay:3s" hx-target="#overview-body"')
      // Once worked out, the next view (or htmx's) has it.
      await new Promise((resolve) => setTimeout(resolve, 1100))
      const fragment = await t.app.inject({ url: '/admin', headers: { cookie: jar.header(), 'hx-request': 'true', 'hx-target': 'overview-body' } })
      expect(fragment.body).not.toContain('still being worked out')
      expect(gainedOn(fragment.body)?.replace(/\D/g, '')).toBe(String(campaignLift(t.db, 1).overall.gainedCents))
    })
  })

  it('shows a campaign page without waiting long for its win-back, which then appears in its place', async () => {
    await withSlowWinBack(600, async (jar) => {
      const page = await t.app.inject({ url: '/admin/campaigns/1', headers: { cookie: jar.header() } })
      expect(page.body).toContain('Still being worked out for all the members of this campaign')
      expect(page.body).toContain('hx-get="/admin/campaigns/1" hx-trigger="load delay:3s" hx-select="#winback"')
      expect(page.body).toContain('id="campaign-progress"')
      await new Promise((resolve) => setTimeout(resolve, 1100))
      // htmx's request (target: the section) gets the page, from which it takes the section.
      const again = await t.app.inject({ url: '/admin/campaigns/1', headers: { cookie: jar.header(), 'hx-request': 'true', 'hx-target': 'winback' } })
      expect(again.body).not.toContain('Still being worked out')
      expect(again.body).toMatch(/<section id="winback" class="card"[^>]*>\s*<h2 id="winback-h">Win-back<\/h2>/)
      expect(again.body).toContain('Everyone assigned to be mailed against the holdout')
    })
  })

  it('counts a segment’s answers the same whether it looks up each answer’s customer or lists the segment’s customers first', async () => {
    loadDemoShop(t.db, { customers: 600, seed: 11, asOf: new Date('2026-06-30'), defaultLocale: 'de', defaultCurrency: 'EUR' })
    analyze(t.db, { trigger: 'manual', asOf: '2026-06-30' })
    const segment = segmentWhere({ version: SEGMENT_VERSION, root: { match: 'all', rules: [{ field: 'days_since_last_order', op: 'gt', value: 200 }] } }, new Date('2026-06-30'))
    const f = { segment }
    const figures = () => ({ reasons: reasonCounts(t.db, f), scores: scoreCounts(t.db, f), rate: responseRate(t.db, f), wonBack: wonBack(t.db, 90, f) })
    expect(outnumbersCustomers(t.db, 'responses')).toBe(false)
    const perAnswer = figures()
    expect(perAnswer.reasons.length).toBeGreaterThan(0)
    // Answers and members outnumber customers: a member never mailed, with an unfinished answer, far up (neither counts).
    t.db.$client.exec('INSERT INTO campaign_members (id, campaign_id, customer_id, expires_at) SELECT 10000000, 1, id, \'2027-01-01\' FROM customers WHERE id NOT IN (SELECT customer_id FROM campaign_members WHERE campaign_id = 1) LIMIT 1')
    t.db.$client.exec("INSERT INTO responses (id, member_id, customer_id, survey_version_id, locale, status, answers, started_at, updated_at) SELECT 10000000, m.id, m.customer_id, r.survey_version_id, 'de', 'partial', '{}', r.started_at, r.updated_at FROM campaign_members m, (SELECT * FROM responses LIMIT 1) r WHERE m.id = 10000000")
    expect(outnumbersCustomers(t.db, 'responses')).toBe(true)
    expect(outnumbersCustomers(t.db, 'campaign_members')).toBe(true)
    expect(figures()).toEqual(perAnswer)
  })

  it('filters the churn reasons on the server by language, dates, campaign and segment, kept in the URL', async () => {
    const jar = await manager()
    const answers = async (query: string) => {
      const res = await t.app.inject({ url: `/admin/reasons${query}`, headers: { cookie: jar.header() } })
      expect(res.statusCode).toBe(200)
      return Number(/class="result-count" role="status">([\d,]+) answers?/.exec(res.body)![1]!.replace(/,/g, ''))
    }
    expect(await answers('')).toBe(count("SELECT count(*) AS n FROM responses WHERE status = 'complete'"))
    expect(await answers('?locale=en')).toBe(count("SELECT count(*) AS n FROM responses WHERE status = 'complete' AND locale = 'en'"))
    expect(await answers('?from=2099-01-01')).toBe(0)
    expect(await answers('?campaign=1')).toBe(count("SELECT count(*) AS n FROM responses r JOIN campaign_members m ON m.id = r.member_id WHERE r.status = 'complete' AND m.campaign_id = 1"))
    expect(await answers('?segment=reason-price')).toBe(count("SELECT count(DISTINCT r.id) AS n FROM responses r WHERE r.status = 'complete' AND r.customer_id IN (SELECT customer_id FROM responses WHERE status = 'complete' AND main_reason = 'price')"))
    // Main reasons by segment: a saved segment of the English-speaking customers, its share of "price" as SQL counts it.
    saveSegment(t.db, { name: 'English speakers', rules: { version: 1, root: { match: 'all', rules: [{ field: 'locale', op: 'is', value: 'en' }] } } }, 'test')
    const page = (await t.app.inject({ url: '/admin/reasons', headers: { cookie: jar.header() } })).body
    const row = /segment=(\d+)">English speakers<\/a><\/th><td class="num">([\d,]+)<\/td>/.exec(page)
    const withReason = count("SELECT count(*) AS n FROM responses r JOIN customers c ON c.id = r.customer_id WHERE r.status = 'complete' AND r.main_reason IS NOT NULL AND c.locale = 'en'")
    expect(Number(row![2]!.replace(/,/g, ''))).toBe(withReason)
    expect(withReason).toBeGreaterThan(0)
    expect(await answers(`?segment=${row![1]}`)).toBe(count("SELECT count(*) AS n FROM responses r JOIN customers c ON c.id = r.customer_id WHERE r.status = 'complete' AND c.locale = 'en'"))
    // Nonsense in the URL is ignored, not an error.
    expect(await answers('?campaign=abc&from=yesterday&locale=fr')).toBe(await answers(''))
  })

  it('drills down from a reason to its free texts, escaped and linked to the customer', async () => {
    const jar = await manager()
    const row = t.db.$client.prepare("SELECT id, customer_id AS customerId FROM responses WHERE status = 'complete' ORDER BY completed_at DESC LIMIT 1").get() as { id: number; customerId: number }
    t.db.$client.prepare(`UPDATE responses SET main_reason = 'quality', answers = json_set(answers, '$.improve', '<script>alert(1)</script> Bitte bessere Ware'), completed_at = '2026-12-01T00:00:00.000Z' WHERE id = ?`).run(row.id)
    const page = await t.app.inject({ url: '/admin/reasons/quality', headers: { cookie: jar.header() } })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt; Bitte bessere Ware')
    expect(page.body).not.toContain('<script>alert(1)')
    expect(page.body).toContain(`href="/admin/customers/${row.customerId}"`)
    expect((await t.app.inject({ url: '/admin/reasons/not-a-reason', headers: { cookie: jar.header() } })).statusCode).toBe(400)
  })
})
