import type { FastifyBaseLogger } from 'fastify'
import type { Db } from '../db/client.ts'
import { analysisHeapMb, analyze, type AnalysisTrigger } from '../services/analyze.ts'
import { customerRowsHint } from '../repos/customers.ts'
import { runTask } from './tasks.ts'

/**
 * Runs `analyze` after imports, nightly and on request: one at a time, in a worker thread (the
 * server keeps serving), and at most one more queued however often it is asked for.
 */
export class AnalysisJobs {
  private running: Promise<void> | null = null
  private queued: AnalysisTrigger | null = null
  private nightly: NodeJS.Timeout | null = null
  private quiet: NodeJS.Timeout | null = null
  private stopped = false
  /** Called after each run that finished (the server computes its slow figures ahead then). */
  onFinished: (() => void) | null = null

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

  /**
   * Ask for a run once writes have paused for `ms`: a shop pushing a hundred API batches gets one
   * analysis after the last, rather than one racing each batch for the write lock.
   */
  requestWhenQuiet(trigger: AnalysisTrigger, ms: number): void {
    if (this.stopped) return
    if (this.quiet) clearTimeout(this.quiet)
    this.quiet = setTimeout(() => {
      this.quiet = null
      void this.request(trigger)
    }, ms)
    this.quiet.unref()
  }

  get busy(): boolean {
    return this.running !== null
  }

  private async run(trigger: AnalysisTrigger): Promise<void> {
    try {
      const result =
        this.dbFile === ':memory:' ? analyze(this.db, { trigger }) : await runTask(this.dbFile, 'analyze', { trigger }, undefined, analysisHeapMb(customerRowsHint(this.db)))
      this.log.info({ trigger, customers: result.customers, seconds: result.seconds }, 'analysis done')
      this.onFinished?.()
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
    if (this.quiet) clearTimeout(this.quiet)
    await this.running
  }
}
