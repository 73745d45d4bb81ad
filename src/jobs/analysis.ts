import { Worker } from 'node:worker_threads'
import type { FastifyBaseLogger } from 'fastify'
import type { Db } from '../db/client.ts'
import { analyze, type AnalysisTrigger } from '../services/analyze.ts'

const workerUrl = new URL('./analysis-worker.ts', import.meta.url).href
// The worker runs TypeScript like the rest of the app: through tsx, registered inside the thread.
const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(workerUrl)}) })`

/**
 * Runs `analyze` after imports, nightly and on request: one at a time, in a worker thread (the
 * server keeps serving), and at most one more queued however often it is asked for.
 */
export class AnalysisJobs {
  private running: Promise<void> | null = null
  private queued: AnalysisTrigger | null = null
  private nightly: NodeJS.Timeout | null = null
  private stopped = false

  constructor(
    private readonly db: Db,
    private readonly dbFile: string,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Ask for a run; resolves when a run that started after this call has finished. */
  request(trigger: AnalysisTrigger): Promise<void> {
    if (this.stopped) return Promise.resolve()
    if (this.running) {
      this.queued = trigger
      return this.running.then(() => this.running ?? undefined)
    }
    this.running = this.run(trigger).finally(() => {
      this.running = null
      const next = this.queued
      this.queued = null
      if (next && !this.stopped) void this.request(next)
    })
    return this.running
  }

  get busy(): boolean {
    return this.running !== null
  }

  private async run(trigger: AnalysisTrigger): Promise<void> {
    try {
      if (this.dbFile === ':memory:') {
        const r = analyze(this.db, { trigger })
        this.log.info({ trigger, customers: r.customers, seconds: r.seconds }, 'analysis done')
        return
      }
      const result = await new Promise<{ ok: boolean; error?: string; customers?: number; seconds?: number }>((resolve, reject) => {
        const worker = new Worker(bootstrap, { eval: true, workerData: { dbFile: this.dbFile, trigger } })
        worker.once('message', resolve)
        worker.once('error', reject)
        worker.once('exit', (code) => code !== 0 && reject(new Error(`analysis worker exited with ${code}`)))
      })
      if (!result.ok) throw new Error(result.error)
      this.log.info({ trigger, customers: result.customers, seconds: result.seconds }, 'analysis done')
    } catch (err) {
      this.log.error({ err, trigger }, 'analysis failed')
    }
  }

  /** Every night at 02:30 server time. */
  scheduleNightly(now = new Date()): void {
    const next = new Date(now)
    next.setHours(2, 30, 0, 0)
    if (next <= now) next.setDate(next.getDate() + 1)
    this.nightly = setTimeout(() => {
      void this.request('nightly')
      this.scheduleNightly()
    }, next.getTime() - now.getTime())
    this.nightly.unref()
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.nightly) clearTimeout(this.nightly)
    await this.running
  }
}
