import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { AppError, type Note } from '../domain/errors.ts'
import { RequestThread } from './request-thread.ts'
import type { TaskInput, TaskName, TaskResult } from './task-worker.ts'

// Workers are modules beside this one: .ts when the sources run through tsx, .js once built.
const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js'

/**
 * The code that starts a worker thread on the module `name` of this folder: under tsx the thread
 * registers the TypeScript loader itself; built JavaScript needs none. `onError` (code with
 * `error` in scope) runs when the module cannot even be loaded.
 */
export function workerSource(name: string, onError = 'throw error'): string {
  const url = JSON.stringify(new URL(`./${name}.${ext}`, import.meta.url).href)
  const load = ext === 'ts' ? `import('tsx/esm/api').then(({ register }) => { register(); return import(${url}) })` : `import(${url})`
  return `${load}.catch((error) => { ${onError} })`
}
const source = workerSource('task-worker')

/** A task's error as it crosses from a worker thread (tasks.ts and task-worker.ts). */
export interface TaskError {
  name: string
  message: string
  note?: Note
  statusCode?: number
  code?: string
  stack?: string
}

/** The error a task threw in its thread, again as the caller's: a refusal (AppError) as one. */
function taskError(e: TaskError): Error {
  if (e.name === 'AppError' && e.note) return new AppError(e.note, e.statusCode, e.code)
  return Object.assign(new Error(e.message), { stack: e.stack })
}

/** The server's own heap is kept small (npm start's flags); a task's heap is its own, `heapMb` at most. */
const taskLimits = (heapMb: number) => ({ maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 32 })

/**
 * Run a long task (analysis, back-test, import) in a worker thread on its own database
 * connection, so that the server keeps answering while it works. A refusal (AppError) comes back
 * as one; `onEvent` hears what the task reports on the way (an import's run id). A heap limit
 * makes V8 collect before its heap grows far past what the task holds; a young generation of
 * 32 MB lets the short-lived objects of an analysis or an import die young with fewer
 * collections (at 100,000 customers the analysis took about a tenth less).
 */
export function runTask<N extends TaskName>(dbFile: string, task: N, input: TaskInput[N], onEvent?: (event: unknown) => void, heapMb = 2048): Promise<TaskResult[N]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(source, { eval: true, workerData: { comebackTask: task, dbFile, input }, resourceLimits: taskLimits(heapMb) })
    let settled = false
    worker.on('message', (m: { event?: unknown; ok?: boolean; result?: TaskResult[N]; error?: TaskError }) => {
      if ('event' in m) return onEvent?.(m.event)
      settled = true
      if (m.ok) resolve(m.result as TaskResult[N])
      else reject(taskError(m.error!))
    })
    worker.once('error', (err) => {
      settled = true
      reject(err)
    })
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`${task} worker exited with ${code}`))
    })
  })
}

/**
 * How long a kept task thread waits for its next task before it ends. Figures come in bursts (the
 * figures computed ahead, a dashboard's, htmx asking again every 3 s); the heap a big shop's
 * figure left behind goes with the thread soon after.
 */
export const TASK_THREAD_IDLE_MS = 10_000

/**
 * A worker thread kept for short tasks that come often: the dashboards' and campaigns' figures.
 * A thread of its own per figure cost about 0.3 s to start, load its code and open its
 * connection, on top of a figure that takes a few milliseconds over the demo shop. This one
 * takes its tasks in order on one connection, and ends after `idleMs` without one (its heap
 * goes with it) or when closed (RequestThread).
 */
export class TaskThread {
  private readonly thread: RequestThread<{ id: number; ok: boolean; result?: unknown; error?: TaskError }>

  constructor(dbFile: string, idleMs = TASK_THREAD_IDLE_MS, heapMb = 2048) {
    this.thread = new RequestThread({
      start: () => new Worker(source, { eval: true, workerData: { comebackTaskThread: true, dbFile }, resourceLimits: taskLimits(heapMb) }),
      settle: (m) => (m.ok ? { value: m.result } : { error: taskError(m.error!) }),
      stopped: (reason) => new Error(`the task thread stopped: ${reason}`),
      idleMs,
    })
  }

  /** The thread's id while there is one (for tests). */
  get threadId(): number | null {
    return this.thread.threadId
  }

  /** Tasks given to it and not yet answered. */
  get pending(): number {
    return this.thread.pending
  }

  run<N extends TaskName>(task: N, input: TaskInput[N]): Promise<TaskResult[N]> {
    return this.thread.request({ task, input })
  }

  /** End the thread (its connection closes first); tasks still on their way fail. */
  close(): Promise<void> {
    return this.thread.close({ wait: true })
  }
}

/**
 * Kept task threads, by default one per core but one (the server's own thread keeps a core for
 * respondents and staff): a task goes to a thread that is free (one already running first),
 * else to the one with the fewest tasks. On the 2-core machine of the bench that is one thread:
 * with two, the first view of a campaign page held /healthz up to a quarter of a second while both
 * worked out figures beside it, against a tenth with one.
 */
export class TaskThreads {
  private readonly threads: TaskThread[]

  constructor(dbFile: string, size = Math.max(1, availableParallelism() - 1), idleMs = TASK_THREAD_IDLE_MS) {
    this.threads = Array.from({ length: size }, () => new TaskThread(dbFile, idleMs))
  }

  run<N extends TaskName>(task: N, input: TaskInput[N]): Promise<TaskResult[N]> {
    const free = this.threads.filter((t) => t.pending === 0)
    const thread = free.find((t) => t.threadId !== null) ?? free[0] ?? this.threads.reduce((a, b) => (b.pending < a.pending ? b : a))
    return thread.run(task, input)
  }

  /** The threads running now (for tests). */
  get threadIds(): number[] {
    return this.threads.map((t) => t.threadId).filter((id): id is number => id !== null)
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.close()))
  }
}
