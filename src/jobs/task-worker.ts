// One long task in a worker thread, on its own database connection (see tasks.ts).
import { parentPort, workerData } from 'node:worker_threads'
import { openDatabase } from '../db/client.ts'
import type { BacktestResult } from '../domain/backtest.ts'
import type { AnalysisTrigger } from '../services/analyze.ts'
import type { FigureRequest, FigureValues } from '../services/figures.ts'
import type { ImportOptions, ImportReport } from '../services/import.ts'
import type { CampaignAction } from '../domain/campaign.ts'
import type { Note } from '../domain/errors.ts'
import type { TaskError } from './tasks.ts'

export interface TaskInput {
  analyze: { trigger: AnalysisTrigger; asOf?: string }
  backtest: { calibrationEnd: string; holdoutEnd?: string }
  import: { runId: string; path: string; options: ImportOptions & { fileName: string } }
  figure: FigureRequest
  campaignAction: { id: number; action: CampaignAction; actor: string; scheduledAt?: string; now?: string }
}
export interface TaskResult {
  analyze: { runId: number; customers: number; seconds: number }
  backtest: BacktestResult
  import: ImportReport
  figure: FigureValues[keyof FigureValues]
  campaignAction: { status: string }
}
export type TaskName = keyof TaskInput

// Each task loads its own code when it runs: a thread starts in a fraction of the time it took
// to load every task's (about 0.4 s), which an analysis, a figure or a back-test waited for.
export const tasks: { [N in TaskName]: (db: ReturnType<typeof openDatabase>, input: TaskInput[N]) => Promise<TaskResult[N]> } = {
  analyze: async (db, input) => {
    const r = (await import('../services/analyze.ts')).analyze(db, { trigger: input.trigger, asOf: input.asOf })
    return { runId: r.runId, customers: r.customers, seconds: r.seconds }
  },
  backtest: async (db, input) => (await import('../services/backtest.ts')).backtest(db, input),
  import: async (db, input) => (await import('../services/import.ts')).runImport(db, input.runId, input.path, input.options),
  figure: async (db, input) => (await import('../services/figures.ts')).computeFigure(db, input),
  campaignAction: async (db, input) => {
    const c = (await import('../services/campaigns.ts')).changeCampaignState(db, input.id, input.action, input.actor, {
      scheduledAt: input.scheduledAt,
      now: input.now ? new Date(input.now) : undefined,
    })
    return { status: c.status }
  },
}

/** An error as it crosses back to the caller's thread (tasks.ts makes it an error again). */
function crossing(error: unknown): TaskError {
  const e = error instanceof Error ? error : new Error(String(error))
  return { name: e.name, message: e.message, stack: e.stack, statusCode: (e as { statusCode?: number }).statusCode, note: (e as { note?: Note }).note, code: (e as { code?: string }).code }
}

// Only inside a worker thread: importing the module elsewhere (for `tasks`) runs nothing.
const data = workerData as { comebackTask?: TaskName; comebackTaskThread?: boolean; dbFile: string; input: never } | null
if (parentPort && data?.comebackTask) {
  // One task, then the thread ends (runTask).
  const db = openDatabase(data.dbFile)
  try {
    const result = await tasks[data.comebackTask](db, data.input)
    parentPort.postMessage({ ok: true, result })
  } catch (error) {
    parentPort.postMessage({ ok: false, error: crossing(error) })
  } finally {
    db.$client.close()
  }
} else if (parentPort && data?.comebackTaskThread) {
  // Task after task on one connection, until told to close (TaskThread).
  const port = parentPort
  const db = openDatabase(data.dbFile)
  port.on('message', async (m: { id: number; task: TaskName; input: never } | { close: true }) => {
    if ('close' in m) {
      db.$client.close()
      port.close()
      return
    }
    try {
      port.postMessage({ id: m.id, ok: true, result: await tasks[m.task](db, m.input) })
    } catch (error) {
      port.postMessage({ id: m.id, ok: false, error: crossing(error) })
    }
  })
}
