import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { analyze } from '../../src/services/analyze.ts'
import { latestAnalysisRun, recordAnalysisProgress, startAnalysisRun } from '../../src/repos/analysis.ts'
import { loadDemoShop } from '../../src/services/demo.ts'
import { getAnalysisSettings } from '../../src/services/settings.ts'
import { useTestApp } from '../helpers/build-app.ts'
import { addUser, formToken, login } from '../helpers/factories.ts'
import { startServer } from '../helpers/server.ts'

const form = (data: Record<string, string>) => new URLSearchParams(data).toString()
const asOf = '2026-06-30'

describe('analysis, potential and settings pages', () => {
  const t = useTestApp()

  async function seed() {
    loadDemoShop(t.db, { customers: 600, seed: 9, asOf: new Date(asOf), defaultLocale: 'de', defaultCurrency: 'EUR' })
    analyze(t.db, { asOf, trigger: 'cli' })
    await addUser(t.db, 'manager')
    await addUser(t.db, 'staff')
    await addUser(t.db, 'admin')
  }
  const get = (jar: { header: () => string }, url: string) => t.app.inject({ url, headers: { cookie: jar.header() } })

  it('ranks lapsed customers by priority for managers, not for staff', async () => {
    await seed()
    const manager = (await login(t.app, 'manager@example.com')).jar
    const page = await get(manager, '/admin/potential')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Value at stake')
    expect(page.body).toMatch(/<a href="\/admin\/potential\?status=lapsed" aria-current="page">Lapsed<\/a>/)
    const priorities = [...page.body.matchAll(/<td class="num"><strong>€([\d,.-]+)<\/strong><\/td>/g)].map((m) => Number(m[1]!.replace(/,/g, '')))
    expect(priorities.length).toBeGreaterThan(5)
    expect(priorities).toEqual([...priorities].sort((a, b) => b - a))
    const lapsedInDb = t.db.$client.prepare("SELECT count(*) AS n FROM customer_analysis WHERE lapse_status = 'lapsed'").get() as { n: number }
    expect(page.body).toContain(`<td class="num">${lapsedInDb.n}</td>`)
    const staff = (await login(t.app, 'staff@example.com')).jar
    expect((await get(staff, '/admin/potential')).statusCode).toBe(403)
    expect((await get(staff, '/admin/analysis')).statusCode).toBe(403)
  })

  it('shows the fitted models and back-tests the predictions against what customers did', async () => {
    await seed()
    const manager = (await login(t.app, 'manager@example.com')).jar
    const page = await get(manager, '/admin/analysis')
    // The three models side by side, the chosen one named, and the automatic back-test behind the choice.
    for (const name of ['BG/NBD', 'MBG/NBD', 'Pareto/NBD']) expect(page.body).toMatch(new RegExp(`<th scope="col" class="num">${name}`))
    expect(page.body).toMatch(/come from <strong>(BG|MBG|Pareto)\/NBD<\/strong>: it predicted the last \d+ weeks best/)
    expect(page.body).toMatch(/<span class="badge chosen">chosen<\/span>/)
    expect(page.body).toMatch(/<span>α [\d.]+<\/span><span>a [\d.]+<\/span>/)
    const test = await get(manager, '/admin/analysis?calibration_end=2025-12-31')
    expect(test.statusCode).toBe(200)
    expect(test.body).toMatch(/compared over the 181 days to 30 Jun 2026/)
    expect(test.body).toContain('<svg viewBox=')
    expect(test.body).toMatch(/<th scope="row">7\+<\/th>/)
    const bad = await get(manager, '/admin/analysis?calibration_end=2026-06-29')
    expect(bad.statusCode).toBe(400)
    expect(bad.body).toContain('must be at least a week')
    expect((await get(manager, '/admin/analysis?calibration_end=yesterday')).statusCode).toBe(400)
  })

  it('draws no value-at-stake chart when no model could be trusted, and says why', async () => {
    await seed()
    // As when every fit was unreliable: nobody has a value if won back.
    t.db.$client.exec('UPDATE customer_analysis SET value_if_won_cents = NULL, clv_cents = NULL, priority_cents = NULL, p_alive = NULL')
    const run = latestAnalysisRun(t.db)!
    const summary = JSON.parse(run.summary!) as { byStatus: Record<string, { valueIfWonCents: number; expectedValueCents: number }> }
    for (const b of Object.values(summary.byStatus)) b.valueIfWonCents = b.expectedValueCents = 0
    t.db.$client.prepare('UPDATE analysis_runs SET summary = ? WHERE id = ?').run(JSON.stringify(summary), run.id)
    const manager = (await login(t.app, 'manager@example.com')).jar
    for (const url of ['/admin/analysis', '/admin/potential', '/admin']) {
      const page = await get(manager, url)
      expect(page.body).toContain('No value at stake to show: no purchase model could be trusted')
      expect(page.body).not.toContain('aria-label="Value if won back, by lapse status"')
    }
  })

  it('shows how far a running analysis is, in the reader\u2019s language, and keeps the finished one on view', async () => {
    await seed()
    const finished = t.db.$client.prepare('SELECT max(id) FROM analysis_runs').pluck().get() as number
    const runId = startAnalysisRun(t.db, { asOf, trigger: 'manual', startedAt: new Date().toISOString(), expectedCustomers: 600 })
    recordAnalysisProgress(t.db, runId, 'writing', 200, 590)
    const manager = (await login(t.app, 'manager@example.com')).jar
    const page = await get(manager, '/admin/analysis')
    expect(page.body).toContain('<p class="muted" role="status">Writing figures: 200 of 590 customers</p>')
    // The figures on the page are still those of the last finished run.
    expect(latestAnalysisRun(t.db)!.id).toBe(finished)
    expect(page.body).toContain('Pareto/NBD')
    // A run that failed, or began hours ago and never finished, is not "running".
    recordAnalysisProgress(t.db, runId, 'failed', 200, 590)
    expect((await get(manager, '/admin/analysis')).body).not.toContain('role="status">Writing')
  })

  it('runs the analysis on request, in the background', async () => {
    await seed()
    const manager = (await login(t.app, 'manager@example.com')).jar
    const token = await formToken(t.app, manager, '/admin/analysis')
    const before = (t.db.$client.prepare('SELECT count(*) AS n FROM analysis_runs').get() as { n: number }).n
    const res = await t.app.inject({ method: 'POST', url: '/admin/analysis/run', headers: { cookie: manager.header(), 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: token }) })
    expect(res.statusCode).toBe(303)
    for (let i = 0; i < 200 && (t.db.$client.prepare('SELECT count(*) AS n FROM analysis_runs').get() as { n: number }).n === before; i++) await sleep(50)
    expect(t.db.$client.prepare("SELECT trigger FROM analysis_runs ORDER BY id DESC LIMIT 1").get()).toEqual({ trigger: 'manual' })
  })

  it('lets admins change the thresholds; bad values change nothing and say why', async () => {
    await seed()
    const admin = (await login(t.app, 'admin@example.com')).jar
    const post = async (values: Record<string, string>) => {
      const token = await formToken(t.app, admin, '/admin/settings')
      return t.app.inject({ method: 'POST', url: '/admin/settings', headers: { cookie: admin.header(), 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: token, ...values }) })
    }
    const valid = { at_risk: '1,3', lapsed: '2.5', lost: '5', lost_after_days: '600', horizon_months: '24', discount_rate: '8', margin: '35', incentive_cost: '4,50' }
    const ok = await post(valid)
    expect(ok.statusCode).toBe(200)
    expect(ok.body).toContain('Saved.')
    expect(getAnalysisSettings(t.db)).toEqual({ lapse: { atRisk: 1.3, lapsed: 2.5, lost: 5, lostAfterDays: 600 }, clv: { horizonMonths: 24, annualDiscountRate: 0.08, margin: 0.35 }, model: 'auto', incentiveCostCents: 450 })
    // An admin pins a model; the next analysis uses it.
    expect((await post({ ...valid, model: 'paretoNbd' })).statusCode).toBe(200)
    expect(getAnalysisSettings(t.db).model).toBe('paretoNbd')
    expect(analyze(t.db, { asOf, trigger: 'manual' }).models).toMatchObject({ chosen: 'paretoNbd', chosenBy: 'pinned' })
    expect((await post({ ...valid, model: 'gompertz' })).statusCode).toBe(400)
    const wrongOrder = await post({ ...valid, lapsed: '1.2' })
    expect(wrongOrder.statusCode).toBe(400)
    expect(wrongOrder.body).toContain('Lapse thresholds: must rise: at risk &lt; lapsed &lt; lost')
    const notNumber = await post({ ...valid, margin: 'lots' })
    expect(notNumber.statusCode).toBe(400)
    expect(notNumber.body).toContain('Margin (% of revenue): must be a number')
    expect(getAnalysisSettings(t.db).lapse.lapsed).toBe(2.5)
    const manager = (await login(t.app, 'manager@example.com')).jar
    expect((await get(manager, '/admin/settings')).statusCode).toBe(403)
  })
})

describe('a long staff request does not hold up the server', () => {
  it('answers /healthz while a back-test runs, because the back-test runs in a worker thread', { timeout: 60_000 }, async () => {
    const server = await startServer()
    try {
      loadDemoShop(server.db, { customers: 600, seed: 9, asOf: new Date(asOf), defaultLocale: 'de', defaultCurrency: 'EUR' })
      analyze(server.db, { asOf, trigger: 'cli' })
      await addUser(server.db, 'manager')
      const { jar } = await login(server.app, 'manager@example.com')
      const order: string[] = []
      const backtest = fetch(`${server.url}/admin/analysis?calibration_end=2025-12-31`, { headers: { cookie: jar.header() } }).then(async (r) => {
        expect(r.status).toBe(200)
        expect(await r.text()).toContain('<th scope="col" class="num">Pareto/NBD</th>')
        order.push('backtest')
      })
      // Give the back-test's request a head start, then ask whether the server is alive.
      await sleep(20)
      const health = fetch(`${server.url}/healthz`).then((r) => {
        expect(r.status).toBe(200)
        order.push('healthz')
      })
      await Promise.all([backtest, health])
      expect(order).toEqual(['healthz', 'backtest'])
    } finally {
      await server.close()
    }
  })
})
