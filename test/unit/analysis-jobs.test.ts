import { afterEach, describe, expect, it, vi } from 'vitest'
import { migrateDatabase, openDatabase, type Db } from '../../src/db/client.ts'
import { AnalysisJobs } from '../../src/jobs/analysis.ts'
import { quietLogger } from '../helpers/logger.ts'

/** API writes start one analysis once they pause, not one per batch (jobs/analysis.ts). */
describe('the analysis after API writes', () => {
  afterEach(() => vi.useRealTimers())

  it('runs once, when writes have paused for the quiet time', async () => {
    vi.useFakeTimers()
    const jobs = new AnalysisJobs({} as Db, ':memory:', quietLogger)
    const asked: string[] = []
    jobs.request = async (trigger) => void asked.push(trigger)
    for (let i = 0; i < 5; i++) {
      jobs.requestWhenQuiet('import', 10_000)
      vi.advanceTimersByTime(3_000)
    }
    expect(asked).toEqual([])
    vi.advanceTimersByTime(7_000)
    expect(asked).toEqual(['import'])
    vi.advanceTimersByTime(60_000)
    expect(asked).toEqual(['import'])
    // Stopped: nothing more.
    jobs.requestWhenQuiet('import', 10_000)
    await jobs.stop()
    vi.advanceTimersByTime(20_000)
    expect(asked).toEqual(['import'])
  })

  it('says when a run has finished (the server then computes its slow figures ahead)', async () => {
    const db = openDatabase(':memory:')
    migrateDatabase(db)
    const jobs = new AnalysisJobs(db, ':memory:', quietLogger)
    let finished = 0
    jobs.onFinished = () => finished++
    await jobs.request('cli')
    expect(finished).toBe(1)
    db.$client.close()
  })
})
