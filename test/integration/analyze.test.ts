import { spawnSync } from 'node:child_process'
import { inEnglish, type Note } from '../../src/domain/errors.ts'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { getCustomerAnalysis, latestAnalysisRun } from '../../src/repos/analysis.ts'
import { analyze, type AnalysisProgress } from '../../src/services/analyze.ts'
import { loadDemoShop } from '../../src/services/demo.ts'
import { saveAnalysisSettings } from '../../src/services/settings.ts'
import { tempDatabase, useTestDatabase } from '../helpers/build-app.ts'
import { cdnowSampleAsCsv, hasCdnow } from '../helpers/cdnow.ts'
import { importText } from '../helpers/factories.ts'

const idOf = (db: ReturnType<typeof useTestDatabase>['db'], externalId: string) =>
  (db.$client.prepare('SELECT id FROM customers WHERE external_id = ?').get(externalId) as { id: number }).id

describe('analysis of hand-made histories', () => {
  const { db } = useTestDatabase()

  it('gives each customer a lapse status against their own rhythm', async () => {
    await importText(db, 'customers', 'customer_id\nREGULAR\nONCE\nSLOWING\nCANCELLED\nFREE\nOTHER1\nOTHER2\n')
    const orders = ['order_id,customer_id,ordered_at,total,status']
    // Buys every 30 days, last order 21 days before the analysis date (2024-06-30).
    for (let i = 0; i < 6; i++) orders.push(`R${i},REGULAR,${new Date(Date.UTC(2024, 0, 11) + i * 30 * 86_400_000).toISOString().slice(0, 10)},40.00,completed`)
    // One order, 100 days ago.
    orders.push('N1,ONCE,2024-03-22,25.00,completed')
    // Monthly until February, then nothing: slowing into lapsed.
    for (const [i, d] of ['2023-10-01', '2023-11-01', '2023-12-01', '2024-01-01', '2024-02-01'].entries()) orders.push(`S${i},SLOWING,${d},30.00,completed`)
    // Every 14 days; the last order (10 days ago) was cancelled, so the last real one is 24 days ago.
    for (const [i, d] of ['2024-05-09', '2024-05-23', '2024-06-06'].entries()) orders.push(`C${i},CANCELLED,${d},20.00,completed`)
    orders.push('C9,CANCELLED,2024-06-20,20.00,cancelled')
    // Free orders (total 0) still show that the customer is buying.
    for (const [i, d] of ['2024-04-01', '2024-05-01', '2024-06-01'].entries()) orders.push(`F${i},FREE,${d},0,completed`)
    // Two more repeat buyers so that the population has a rhythm (median gap 60 days).
    for (const [i, d] of ['2024-01-01', '2024-03-01', '2024-05-01'].entries()) orders.push(`O${i},OTHER1,${d},50,completed`)
    for (const [i, d] of ['2023-06-01', '2023-08-01'].entries()) orders.push(`P${i},OTHER2,${d},50,completed`)
    // An order after the analysis date is ignored by --as-of.
    orders.push('LATE,SLOWING,2024-07-15,99,completed')
    expect((await importText(db, 'orders', orders.join('\n'))).imported).toBe(true)

    const summary = analyze(db, { asOf: '2024-06-30', trigger: 'cli' })
    expect(summary.customers).toBe(7)
    const a = (id: string) => getCustomerAnalysis(db, idOf(db, id))!

    expect(a('REGULAR')).toMatchObject({ lapseStatus: 'active', typicalGapDays: 30, gapBasis: 'own', daysSinceLast: 21, orders: 6 })
    // One-time buyer: measured against the population's median gap (14, 30, 30.5, 31, 60.5, 61 → 30.75 days):
    // 100 days is 3.3 gaps, lapsed; a regular monthly buyer would be lapsed too.
    expect(a('ONCE')).toMatchObject({ gapBasis: 'population', typicalGapDays: 30.75, daysSinceLast: 100, lapseStatus: 'lapsed' })
    expect(a('SLOWING')).toMatchObject({ daysSinceLast: 150, lapseStatus: 'lost', orders: 5 })
    expect(a('CANCELLED')).toMatchObject({ orders: 3, typicalGapDays: 14, daysSinceLast: 24, lapseStatus: 'at_risk', lastOrderAt: '2024-06-06T00:00:00.000Z' })
    expect(a('FREE')).toMatchObject({ orders: 3, spendCents: 0, lapseStatus: 'active' })
    expect(a('OTHER2').lapseStatus).toBe('lost')
    // Six repeat buyers are too few to fit the models: no predictions rather than noise, and a note saying why.
    expect(a('REGULAR').pAlive).toBeNull()
    expect(summary.models.bgnbd).toBeNull()
    expect(inEnglish(summary.models.notes[0] as Note)).toMatch(/Only 6 customers bought more than once/)
    const counts = summary.byStatus
    expect(counts.active.customers + counts.at_risk.customers + counts.lapsed.customers + counts.lost.customers).toBe(7)
  })

  it('uses the thresholds saved in the settings', () => {
    saveAnalysisSettings(db, { lapse: { atRisk: 1.1, lapsed: 1.2, lost: 10, lostAfterDays: 730 }, clv: { horizonMonths: 12, annualDiscountRate: 0.1, margin: 0.3 }, incentiveCostCents: 500 }, 'test')
    analyze(db, { asOf: '2024-06-30', trigger: 'cli' })
    // 24 days against a 14-day rhythm is beyond 1.2×: lapsed now.
    expect(getCustomerAnalysis(db, idOf(db, 'CANCELLED'))!.lapseStatus).toBe('lapsed')
  })
})

describe('analysis of the demo shop', () => {
  it('fits the models, values customers and ranks lapsed ones by priority', () => {
    const t = tempDatabase()
    try {
      loadDemoShop(t.db, { customers: 3000, seed: 3, asOf: new Date('2026-06-30'), defaultLocale: 'de', defaultCurrency: 'EUR' })
      const s = analyze(t.db, { asOf: '2026-06-30', trigger: 'cli' })
      expect(s.models.bgnbd?.converged).toBe(true)
      expect(s.models.gammaGamma?.q).toBeGreaterThan(1)
      for (const status of ['active', 'at_risk', 'lapsed', 'lost'] as const) expect(s.byStatus[status].customers).toBeGreaterThan(50)
      const rows = t.db.$client.prepare('SELECT lapse_status, avg(p_alive) AS alive, avg(clv_cents) AS clv FROM customer_analysis GROUP BY 1').all() as { lapse_status: string; alive: number; clv: number }[]
      const by = Object.fromEntries(rows.map((r) => [r.lapse_status, r]))
      expect(by.active!.alive).toBeGreaterThan(by.lost!.alive)
      expect(by.active!.clv).toBeGreaterThan(by.lost!.clv)
      // Priority = P(alive) × value if won back − incentive cost.
      const one = t.db.$client.prepare('SELECT p_alive, value_if_won_cents, clv_cents, priority_cents FROM customer_analysis WHERE p_alive IS NOT NULL LIMIT 1').get() as Record<string, number>
      expect(Math.abs(one.clv_cents! - one.p_alive! * one.value_if_won_cents!)).toBeLessThanOrEqual(1)
      expect(one.priority_cents).toBe(one.clv_cents! - 500)
    } finally {
      t.cleanup()
    }
  })
})

describe('analysis of a shop in threads and in a table of its own', () => {
  it('gives the same figures read by two threads as by one, reports progress, and swaps the new figures in whole', () => {
    const t = tempDatabase()
    try {
      loadDemoShop(t.db, { customers: 3000, seed: 5, asOf: new Date('2026-06-30'), defaultLocale: 'de', defaultCurrency: 'EUR' })
      const figures = () => t.db.$client.prepare('SELECT * FROM customer_analysis ORDER BY customer_id').all().map((r) => ({ ...(r as object), run_id: 0 }))
      const one = analyze(t.db, { asOf: '2026-06-30', trigger: 'cli', threads: 1 })
      const byOne = figures()
      // A run that broke off: its half-written table and its unfinished run stay out of sight, and the next run clears them.
      t.db.$client.exec('CREATE TABLE customer_analysis_run_1 (x); INSERT INTO analysis_runs (as_of, trigger, started_at, customers) VALUES (\'2026-06-30\', \'cli\', \'2026-06-30T00:00:00Z\', 7)')
      expect(latestAnalysisRun(t.db)!.id).toBe(one.runId)
      const progress: AnalysisProgress[] = []
      const two = analyze(t.db, { asOf: '2026-06-30', trigger: 'cli', threads: 2, onProgress: (p) => progress.push(p) })
      expect(two.customers).toBe(one.customers)
      expect(figures()).toEqual(byOne)
      expect(two.models.paretoNbd).toEqual(one.models.paretoNbd)
      expect(two.models.chosen).toBe(one.models.chosen)
      expect(latestAnalysisRun(t.db)).toMatchObject({ id: two.runId, customers: two.customers, expectedCustomers: null })
      const tables = t.db.$client.prepare("SELECT name FROM sqlite_master WHERE name GLOB 'customer_analysis*' ORDER BY name").pluck().all()
      expect(tables).toEqual(['customer_analysis', 'customer_analysis_clv', 'customer_analysis_days_since', 'customer_analysis_priority', 'customer_analysis_status_priority'])
      expect(progress.map((p) => p.phase)).toEqual(expect.arrayContaining(['reading', 'fitting', 'writing']))
      expect(progress.at(-1)).toEqual({ phase: 'writing', customers: two.customers, of: two.customers })
    } finally {
      t.cleanup()
    }
  })
})

describe.skipIf(!hasCdnow)('comeback analyze on the raw CDNOW transactions', () => {
  it('reproduces the published BG/NBD and Gamma-Gamma parameters as of 1997-09-30', () => {
    const t = tempDatabase()
    try {
      const csv = cdnowSampleAsCsv()
      writeFileSync(join(t.dir, 'customers.csv'), csv.customers)
      writeFileSync(join(t.dir, 'orders.csv'), csv.orders)
      const env = { ...process.env, BASE_URL: '', COMEBACK_DB: t.file, CI: '1' }
      const run = (...args: string[]) => spawnSync(process.execPath, ['src/cli/comeback.js', ...args], { encoding: 'utf8', env })
      expect(run('import', 'customers', join(t.dir, 'customers.csv')).status).toBe(0)
      expect(run('import', 'orders', join(t.dir, 'orders.csv')).status).toBe(0)
      const out = run('analyze', '--as-of', '1997-09-30', '--json')
      expect(out.status).toBe(0)
      const json = JSON.parse(out.stdout)
      expect(json.customers).toBe(2357)
      const close = (a: number, b: number) => expect(Math.abs(a - b) / b).toBeLessThan(0.01)
      expect(json.models.bgnbd.timeUnit).toBe('weeks')
      close(json.models.bgnbd.r, 0.243)
      close(json.models.bgnbd.alpha, 4.414)
      close(json.models.bgnbd.a, 0.793)
      close(json.models.bgnbd.b, 2.426)
      expect(Math.abs(json.models.bgnbd.logLikelihood - -9582.4)).toBeLessThan(0.5)
      // Pareto/NBD on the same calibration period: Fader, Hardie & Lee's published figures.
      expect(json.models.paretoNbd.timeUnit).toBe('weeks')
      close(json.models.paretoNbd.r, 0.553)
      close(json.models.paretoNbd.alpha, 10.578)
      close(json.models.paretoNbd.s, 0.606)
      close(json.models.paretoNbd.beta, 11.669)
      expect(Math.abs(json.models.paretoNbd.logLikelihood - -9595.0)).toBeLessThan(0.5)
      expect(json.models.mbgnbd).toMatchObject({ timeUnit: 'weeks' })
      expect(['bgnbd', 'mbgnbd', 'paretoNbd']).toContain(json.models.chosen)
      expect(json.models.backtest.meanAbsoluteError).toHaveProperty(json.models.chosen)
      const pinned = JSON.parse(run('analyze', '--as-of', '1997-09-30', '--model', 'pareto', '--json').stdout)
      expect(pinned.models).toMatchObject({ chosen: 'paretoNbd', chosenBy: 'pinned' })
      expect(run('analyze', '--model', 'weibull').stderr).toContain('--model must be one of auto, bgnbd, mbgnbd, pareto')
      close(json.models.gammaGamma.p, 6.25)
      close(json.models.gammaGamma.q, 3.74)
      close(json.models.gammaGamma.gamma, 15.44)
    } finally {
      t.cleanup()
    }
  })
})
