import { Worker } from 'node:worker_threads'
import { AppError, type Note } from '../domain/errors.ts'
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
    // The server's own heap is kept small (npm start's flags); a task's heap is its own, `heapMb` at most.
    const worker = new Worker(source, { eval: true, workerData: { comebackTask: task, dbFile, input }, resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 32 } })
    let settled = false
    worker.on('message', (m: { event?: unknown; ok?: boolean; result?: TaskResult[N]; error?: { name: string; message: string; note?: Note; statusCode?: number; code?: string; stack?: string } }) => {
      if ('event' in m) return onEvent?.(m.event)
      settled = true
      if (m.ok) return resolve(m.result as TaskResult[N])
      const e = m.error!
      if (e.name === 'AppError' && e.note) reject(new AppError(e.note, e.statusCode, e.code))
      else reject(Object.assign(new Error(e.message), { stack: e.stack }))
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
