import type { Worker } from 'node:worker_threads'

/** How a thread's answer settles its request: a value, or an error for the caller. */
export type Settled = { value: unknown } | { error: Error }

export interface RequestThreadOptions<A extends { id: number }> {
  /** Start the worker (its code answers each `{ id, ... }` request with `{ id, ... }`, and ends on `{ close: true }`). */
  start: () => Worker
  settle: (answer: A) => Settled
  /** The error of each request on its way when the thread stops. */
  stopped: (reason: string) => Error
  /** End the thread after this long without a request (its heap goes with it); unset: it stays. */
  idleMs?: number
}

/**
 * A worker thread answering requests by id, one promise each: the SMTP thread and the kept task
 * threads. It starts with the first request and, while none is on its way, keeps no process
 * alive. If it stops, each request on its way fails (`stopped`) and the next one starts a new
 * thread.
 */
export class RequestThread<A extends { id: number }> {
  private current: { worker: Worker; waiting: Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }> } | null = null
  private nextId = 0
  private idle: NodeJS.Timeout | null = null

  constructor(private readonly options: RequestThreadOptions<A>) {}

  /** The thread's id while there is one (for tests). */
  get threadId(): number | null {
    return this.current?.worker.threadId ?? null
  }

  /** Requests on their way. */
  get pending(): number {
    return this.current?.waiting.size ?? 0
  }

  request<T>(message: object): Promise<T> {
    const thread = (this.current ??= this.start())
    if (this.idle) clearTimeout(this.idle)
    this.idle = null
    thread.worker.ref()
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      thread.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject })
      thread.worker.postMessage({ ...message, id })
    })
  }

  /**
   * Ask the thread to end; requests still on their way fail. With `wait`, until it has ended,
   * holding the process meanwhile (a thread at rest is unreferenced: a process with nothing else
   * to do would end before whatever awaits this, such as a server's last steps).
   */
  async close(options: { wait: boolean }): Promise<void> {
    if (this.idle) clearTimeout(this.idle)
    this.idle = null
    const thread = this.current
    this.current = null
    if (!thread) return
    const exited = new Promise((resolve) => thread.worker.once('exit', resolve))
    thread.worker.postMessage({ close: true })
    if (!options.wait) return void thread.worker.unref()
    thread.worker.ref()
    await exited
  }

  private start() {
    const worker = this.options.start()
    const thread = { worker, waiting: new Map() as NonNullable<RequestThread<A>['current']>['waiting'] }
    worker.on('message', (a: A) => {
      const entry = thread.waiting.get(a.id)
      if (!entry) return
      thread.waiting.delete(a.id)
      const settled = this.options.settle(a)
      if ('error' in settled) entry.reject(settled.error)
      else entry.resolve(settled.value)
      if (thread.waiting.size === 0 && this.current === thread) this.rest(worker)
    })
    const gone = (reason: string) => {
      if (this.current === thread) this.current = null
      for (const w of thread.waiting.values()) w.reject(this.options.stopped(reason))
      thread.waiting.clear()
    }
    worker.on('error', (err) => gone(err.message))
    worker.on('exit', (code) => gone(`exit code ${code}`))
    return thread
  }

  /** Nothing on its way: keep no process alive, and end if nothing comes for `idleMs`. */
  private rest(worker: Worker): void {
    worker.unref()
    if (this.options.idleMs === undefined) return
    this.idle = setTimeout(() => void this.close({ wait: true }), this.options.idleMs)
    this.idle.unref()
  }
}
