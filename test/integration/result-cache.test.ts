import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/db/client.ts'
import { runTask, TaskThread, TaskThreads } from '../../src/jobs/tasks.ts'
import { AppError } from '../../src/domain/errors.ts'
import { loadDemoShop } from '../../src/services/demo.ts'
import { computeFigure, figuresToComputeAhead } from '../../src/services/figures.ts'
import { testCampaign } from '../helpers/campaigns.ts'
import { cachedResult, FIGURE_WAIT_MS, FRESH_MS, keptResult, OFFLOAD_MS, STALE_FACTOR, within } from '../../src/services/result-cache.ts'
import { buildApp } from '../../src/app.ts'
import { tempDatabase, testConfig, useTestDatabase } from '../helpers/build-app.ts'

/** The dashboards' figures kept until the data changes, and a slow one a while longer (adaptive caching). */
describe('kept figures', () => {
  const t = useTestDatabase()
  const count = () => (t.db.$client.prepare('SELECT count(*) AS n FROM settings').get() as { n: number }).n
  const write = (key: string) => t.db.$client.prepare("INSERT INTO settings (key, value) VALUES (?, '1')").run(key)
  const busy = (ms: number) => {
    const until = performance.now() + ms
    while (performance.now() < until);
  }

  it('computes again as soon as the data changes, when the figure is cheap', () => {
    let runs = 0
    const cheap = () => cachedResult(t.db, 'cheap', () => (runs++, count()))
    const first = cheap()
    expect(cheap().value).toBe(first.value)
    expect(runs).toBe(1)
    write('cache-test-1')
    const after = cheap()
    expect(runs).toBe(2)
    expect(after).toMatchObject({ value: first.value + 1, current: true, keepMs: 0 })
  })

  it('sees commits of another connection (another process: the CLI, an import)', () => {
    let runs = 0
    const other = openDatabase(t.file)
    try {
      cachedResult(t.db, 'other', () => (runs++, count()))
      other.$client.prepare("INSERT INTO settings (key, value) VALUES ('cache-test-other', '1')").run()
      const after = cachedResult(t.db, 'other', () => (runs++, count()))
      expect(runs).toBe(2)
      expect(after.current).toBe(true)
    } finally {
      other.$client.close()
    }
  })

  it('keeps a slow figure for STALE_FACTOR times its computing time after a change, and says so', () => {
    let runs = 0
    const slow = (now: number) => cachedResult(t.db, 'slow', () => (runs++, busy(FRESH_MS + 10), count()), now)
    const first = slow(1_000_000)
    expect(first.keepMs).toBeGreaterThanOrEqual((FRESH_MS + 10) * STALE_FACTOR)
    write('cache-test-2')
    const kept = slow(1_000_000 + first.keepMs - 1)
    expect(runs).toBe(1)
    expect(kept).toMatchObject({ value: first.value, current: false, computedAt: 1_000_000 })
    const renewed = slow(1_000_000 + first.keepMs + 1)
    expect(runs).toBe(2)
    expect(renewed).toMatchObject({ value: first.value + 1, current: true })
  })
})

describe('slow figures, computed off the server thread', () => {
  const t = useTestDatabase()

  it('offloads a figure that looks slow, shares one computation among waiting requests, and keeps its result', async () => {
    let offloads = 0
    let inline = 0
    let finish!: (n: number) => void
    const offload = () => (offloads++, new Promise<number>((resolve) => (finish = resolve)))
    const ask = () => keptResult(t.db, 'big', () => (inline++, -1), offload, () => true)
    const a = ask()
    const b = ask()
    finish(42)
    expect((await a).value).toBe(42)
    expect((await b).value).toBe(42)
    expect(await ask()).toMatchObject({ value: 42, current: true })
    expect({ offloads, inline }).toEqual({ offloads: 1, inline: 0 })
  })

  it('while a slow figure is computed afresh, gives the one computed before', async () => {
    let offloads = 0
    // Each computation takes a little longer than OFFLOAD_MS and yields how many there have been.
    const offload = () => new Promise<number>((resolve) => setTimeout(() => resolve(++offloads), OFFLOAD_MS + 10))
    const ask = (now: number) => keptResult(t.db, 'revalidate', () => -1, offload, () => true, now)
    expect((await ask(1_000)).value).toBe(1)
    t.db.$client.prepare("INSERT INTO settings (key, value) VALUES ('cache-test-revalidate', '1')").run()
    // Long after: the old figure has expired; the page gets it at once while the new one is computed.
    const started = performance.now()
    const stale = await ask(1_000_000_000)
    expect(performance.now() - started).toBeLessThan(OFFLOAD_MS)
    expect(stale).toMatchObject({ value: 1, current: false })
    await new Promise((r) => setTimeout(r, OFFLOAD_MS + 50))
    expect(await ask(1_000_000_001)).toMatchObject({ value: 2, current: true })
    expect(offloads).toBe(2)
  })

  it('computes a figure that looks cheap on the spot', async () => {
    let offloads = 0
    const r = await keptResult(t.db, 'small', () => 7, async () => (offloads++, 0), () => false)
    expect(r.value).toBe(7)
    expect(offloads).toBe(0)
  })

  it('a page waits for a figure only until FIGURE_WAIT_MS after its request came in, counting what it did meanwhile', async () => {
    const after = (ms: number) => new Promise<string>((resolve) => setTimeout(() => resolve('figure'), ms))
    const errors: unknown[] = []
    const onError = (e: unknown) => errors.push(e)
    // In by then: the figure.
    expect(await within(after(10), onError, 0)).toBe('figure')
    expect(await within(Promise.resolve('figure'), onError, FIGURE_WAIT_MS + 1000)).toBe('figure')
    // The page spent its time on other work already: it does not wait for one still under way.
    expect(await within(after(30), onError, FIGURE_WAIT_MS)).toBeNull()
    expect(await within(after(60), onError, FIGURE_WAIT_MS - 20)).toBeNull()
    // A failure in time is the page's; one later goes to onError.
    await expect(within(Promise.reject(new Error('now')), onError, 0)).rejects.toThrow('now')
    const late = new Promise((_, reject) => setTimeout(() => reject(new Error('late')), 50))
    expect(await within(late, onError, FIGURE_WAIT_MS)).toBeNull()
    await new Promise((resolve) => setTimeout(resolve, 80))
    expect(errors.map((e) => (e as Error).message)).toContain('late')
  })

  it('a worker thread computes the same overview and win-back as the server would', async () => {
    loadDemoShop(t.db, { customers: 400, seed: 5, asOf: new Date('2026-06-30'), defaultLocale: 'de', defaultCurrency: 'EUR' })
    const filter = { locale: 'de' as const }
    const inWorker = await runTask(t.file, 'figure', { name: 'overview', filter })
    const here = computeFigure(t.db, { name: 'overview', filter })
    expect(here.scores.responses).toBeGreaterThan(0)
    expect(inWorker).toEqual(here)
    const lift = { name: 'lift' as const, campaignId: here.running[0]?.id ?? 1, windowDays: 90 }
    expect(await runTask(t.file, 'figure', lift)).toEqual(computeFigure(t.db, lift))
    // The Segments page's sizes: every segment counted, the same in a worker as here.
    const sizes = computeFigure(t.db, { name: 'segmentSizes' })
    expect(Object.keys(sizes)).toEqual(expect.arrayContaining(['won-back', 'answered-not-bought', 'mailed-no-answer', 'reason-price']))
    expect(sizes['mailed-no-answer']!.customers).toBeGreaterThan(0)
    expect(await runTask(t.file, 'figure', { name: 'segmentSizes' })).toEqual(sizes)
  })

  it('a kept thread computes figure after figure on one connection, gives refusals back, and ends when idle or closed; two are kept for figures at once', async () => {
    const t = tempDatabase()
    loadDemoShop(t.db, { customers: 300, seed: 5, asOf: new Date('2026-06-30'), defaultLocale: 'de', defaultCurrency: 'EUR' })
    const thread = new TaskThread(t.file, 200)
    try {
      const lift = { name: 'lift' as const, campaignId: 1, windowDays: 90 }
      const both = await Promise.all([thread.run('figure', { name: 'segmentSizes' }), thread.run('figure', lift)])
      expect(both).toEqual([computeFigure(t.db, { name: 'segmentSizes' }), computeFigure(t.db, lift)])
      const first = thread.threadId
      expect(first).not.toBeNull()
      // A refusal comes back as one, and the thread goes on.
      await expect(thread.run('campaignAction', { id: 999, action: 'pause', actor: 'test' })).rejects.toBeInstanceOf(AppError)
      // It sees what was written since (a fresh read per figure, not the first one's).
      t.db.$client.prepare("UPDATE customers SET email_consent = 'objected' WHERE id IN (SELECT customer_id FROM campaign_members WHERE campaign_id = 1 LIMIT 5)").run()
      expect(await thread.run('figure', { name: 'segmentSizes' })).toEqual(computeFigure(t.db, { name: 'segmentSizes' }))
      expect(thread.threadId).toBe(first)
      // Idle for longer than it waits: gone, and the next figure starts a new one.
      await new Promise((resolve) => setTimeout(resolve, 500))
      expect(thread.threadId).toBeNull()
      expect(await thread.run('figure', lift)).toEqual(computeFigure(t.db, lift))
      expect(thread.threadId).not.toBe(first)
    } finally {
      await thread.close()
    }
    expect(thread.threadId).toBeNull()
    // Kept threads: one after another, figures share one thread; two at once get two.
    const threads = new TaskThreads(t.file, 2)
    try {
      await threads.run('figure', { name: 'segmentSizes' })
      await threads.run('figure', { name: 'segmentSizes' })
      expect(threads.threadIds).toHaveLength(1)
      await Promise.all([threads.run('figure', { name: 'segmentSizes' }), threads.run('figure', { name: 'segmentSizes' })])
      expect(threads.threadIds).toHaveLength(2)
    } finally {
      await threads.close()
      t.cleanup()
    }
    expect(threads.threadIds).toEqual([])
  })

  it('a process whose kept thread is at rest goes on past closing it', () => {
    const t = tempDatabase()
    try {
      loadDemoShop(t.db, { customers: 50, seed: 5, asOf: new Date('2026-06-30'), defaultLocale: 'de', defaultCurrency: 'EUR' })
      // Nothing else keeps this process alive while the thread closes: the line after must come.
      const script = `import { TaskThread } from './src/jobs/tasks.ts'
const thread = new TaskThread(${JSON.stringify(t.file)})
await thread.run('figure', { name: 'segmentSizes' })
await thread.close()
console.log('after close')`
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' })
      expect(r.stderr).toBe('')
      expect(r.stdout.trim()).toBe('after close')
    } finally {
      t.cleanup()
    }
  })
})

describe('figures computed ahead', () => {
  it('over a big shop, the server computes the Overview, the segment sizes, each started campaign’s win-back and the churn reasons as soon as it is ready, and a campaign’s win-back when it starts', async () => {
    const t = tempDatabase()
    try {
      loadDemoShop(t.db, { customers: 300, seed: 5, asOf: new Date('2026-06-30'), defaultLocale: 'de', defaultCurrency: 'EUR' })
      expect(figuresToComputeAhead(t.db)).toEqual([])
      // A shop is told big by its highest ids (no count): one customer and one campaign member far up.
      t.db.$client.exec("INSERT INTO customers (id, external_id, locale) VALUES (100000, 'BIG', 'de')")
      t.db.$client.exec('INSERT INTO campaign_members (id, campaign_id, customer_id, expires_at) SELECT 100000, campaign_id, 100000, expires_at FROM campaign_members LIMIT 1')
      // One campaign sending besides the demo's finished one: the Overview sums every started campaign's win-back, those running first.
      const live = testCampaign(t.db, { name: 'Live' })
      t.db.$client.prepare("UPDATE campaigns SET status = 'sending', started_at = '2026-06-01' WHERE id = ?").run(live.id)
      const ids = (where: string) => t.db.$client.prepare(`SELECT id FROM campaigns WHERE kind = 'campaign' AND started_at IS NOT NULL AND ${where} ORDER BY id DESC`).pluck().all() as number[]
      const running = ids("status IN ('sending', 'paused')")
      const finished = ids("status NOT IN ('sending', 'paused')")
      expect(running.length).toBeGreaterThan(0)
      expect(finished.length).toBeGreaterThan(0)
      expect(figuresToComputeAhead(t.db)).toEqual([
        { name: 'overview', filter: {} },
        { name: 'segmentSizes' },
        ...[...running, ...finished].map((campaignId) => ({ name: 'lift', campaignId, windowDays: 90 })),
        { name: 'reasons', filter: {} },
      ])
      const app = await buildApp({ config: testConfig(t.file), db: t.db })
      await app.ready()
      try {
        // Each figure asked for now was started before it was asked for: computed ahead, or under way.
        for (const r of figuresToComputeAhead(t.db)) {
          await new Promise((resolve) => setTimeout(resolve, 30))
          const asked = Date.now()
          expect((await app.figure(r)).computedAt, r.name).toBeLessThan(asked)
        }
        // A campaign started now: its win-back is worked out ahead too.
        const next = testCampaign(t.db, { name: 'Next' })
        await app.changeCampaign({ id: next.id, action: 'start', actor: 'test' })
        await new Promise((resolve) => setTimeout(resolve, 30))
        const asked = Date.now()
        expect((await app.figure({ name: 'lift', campaignId: next.id, windowDays: 90 })).computedAt).toBeLessThan(asked)
      } finally {
        await app.close()
      }
    } finally {
      t.cleanup()
    }
  })
})
