// Part of an analysis in a thread of its own, so that both cores work (services/analyze.ts):
// reading one range of customers' histories, or fitting one model.
import { MessageChannel, receiveMessageOnPort, Worker, workerData, type MessagePort } from 'node:worker_threads'
import { openDatabase } from '../db/client.ts'
import { ShopAnalysis, type AnalysisPart } from '../domain/analysis.ts'
import { SummaryGroups } from '../domain/clv/bgnbd.ts'
import { fitModel, type ModelFit, type ModelKind } from '../domain/clv/models.ts'
import { iterateHistories } from '../repos/analysis.ts'
import { workerSource } from './tasks.ts'

export interface AnalysisThreadJobs {
  /** The customers from id `fromCustomerId` on, as ShopAnalysis.add would keep them. */
  read: { input: { dbFile: string; asOf: string; asOfDay: number; fromCustomerId: number; expectedCustomers: number }; output: AnalysisPart }
  /** One model fitted to the groups (SummaryGroups' columns). */
  fit: { input: { kind: ModelKind; x: Float64Array; tx: Float64Array; T: Float64Array; count: Float64Array }; output: ModelFit }
}
type JobName = keyof AnalysisThreadJobs

interface ThreadData {
  comebackAnalysisThread: JobName
  port: MessagePort
  /** Set to 1 once the answer is posted: the analysis waits on it synchronously. */
  done: Int32Array
}

/** A thread that never answers is given up after this long. */
const GIVE_UP_MS = 60 * 60_000

export interface AnalysisThread<N extends JobName> {
  /** Hands the thread its input (once). */
  send(input: AnalysisThreadJobs[N]['input'], transfer?: ArrayBuffer[]): void
  /** Waits for the output. */
  join(): AnalysisThreadJobs[N]['output']
  /** Ends the thread, whether or not it was given work (safe to call more than once). */
  close(): void
}

/**
 * Starts a thread for a job, which loads its modules and then waits for its input (`send`):
 * started early, a thread is ready by the time its input is. `heapMb` bounds its JavaScript heap
 * (services/analyze.ts, analysisHeapMb); its young generation is as a task's (tasks.ts). The analysis is synchronous (a
 * command, a task), so `join` blocks on a shared flag and takes the answer from the thread's port
 * without the event loop.
 */
export function startAnalysisThread<N extends JobName>(job: N, heapMb: number): AnalysisThread<N> {
  const { port1, port2 } = new MessageChannel()
  const done = new Int32Array(new SharedArrayBuffer(4))
  const onLoadError = `const { workerData: d } = require('node:worker_threads'); d.port.postMessage({ ok: false, error: String(error && error.stack || error) }); Atomics.store(d.done, 0, 1); Atomics.notify(d.done, 0)`
  const worker = new Worker(workerSource('analysis-thread', onLoadError), { eval: true, workerData: { comebackAnalysisThread: job, port: port2, done } satisfies ThreadData, transferList: [port2], resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 32 } })
  return {
    send(input, transfer = []) {
      port1.postMessage(input, transfer)
    },
    join() {
      const deadline = Date.now() + GIVE_UP_MS
      while (Atomics.load(done, 0) === 0) {
        if (Date.now() > deadline) {
          void worker.terminate()
          throw new Error(`the analysis thread (${job}) did not answer`)
        }
        Atomics.wait(done, 0, 0, 1000)
      }
      const answer = receiveMessageOnPort(port1)?.message as { ok: true; output: AnalysisThreadJobs[N]['output'] } | { ok: false; error: string } | undefined
      this.close()
      if (!answer?.ok) throw new Error(`the analysis thread (${job}) failed: ${answer?.error ?? 'no answer'}`)
      return answer.output
    },
    close() {
      port1.close()
      void worker.terminate()
    },
  }
}

const jobs: { [N in JobName]: (input: AnalysisThreadJobs[N]['input']) => { output: AnalysisThreadJobs[N]['output']; transfer: ArrayBuffer[] } } = {
  fit: ({ kind, x, tx, T, count }) => ({ output: fitModel(kind, SummaryGroups.fromColumns(x, tx, T, count)), transfer: [] }),
  read: ({ dbFile, asOf, asOfDay, fromCustomerId, expectedCustomers }) => {
    const db = openDatabase(dbFile)
    try {
      // It reads the upper 45% of them.
      const part = new ShopAnalysis(asOfDay, expectedCustomers, Math.ceil(expectedCustomers / 2))
      for (const h of iterateHistories(db, asOf, fromCustomerId)) part.add(h)
      const output = part.part()
      return { output, transfer: Object.values(output.columns).map((c) => c.buffer as ArrayBuffer) }
    } finally {
      db.$client.close()
    }
  },
}

// Only inside such a thread: wait for the input, answer, and let the thread end.
const data = workerData as ThreadData | null
if (data?.comebackAnalysisThread) {
  const { port, done } = data
  port.once('message', (input: unknown) => {
    try {
      const { output, transfer } = jobs[data.comebackAnalysisThread](input as never)
      port.postMessage({ ok: true, output }, transfer)
    } catch (error) {
      port.postMessage({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) })
    } finally {
      Atomics.store(done, 0, 1)
      Atomics.notify(done, 0)
      port.close()
    }
  })
}
