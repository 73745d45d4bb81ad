import { setTimeout as sleep } from 'node:timers/promises'
import { dataStamp, type Db } from '../db/client.ts'

/**
 * Figures that take long to compute over a big shop (the dashboards, a campaign's win-back),
 * kept per connection until the database changes. A figure that took long to compute is kept
 * for a while after a change as well: STALE_FACTOR times its computing time (adaptive caching,
 * as Metabase does it), so that a page over a million answers costs its full price at most once
 * in that time while the sender and the survey keep writing. The page says how old such a figure
 * is. Figures that take under FRESH_MS are always computed afresh after a change.
 *
 * A slow figure is computed off the server's thread (`keptResult` with `offload`), so that
 * respondents and staff are answered while a manager's dashboard is worked out.
 */
export const STALE_FACTOR = 60
export const FRESH_MS = 50
/** A figure that took this long last time is computed off the server's thread next time. */
export const OFFLOAD_MS = 100
const MAX_ENTRIES = 200

interface Entry {
  stamp: string
  at: number
  ms: number
  value: unknown
}

export interface Cached<T> {
  value: T
  /** When the value was computed (ms since the epoch). */
  computedAt: number
  /** False when the database has changed since: the value is at most STALE_FACTOR × its computing time old. */
  current: boolean
  /** How long the value may be kept after a change, in ms (0: not at all). */
  keepMs: number
}

interface Store {
  entries: Map<string, Entry>
  running: Map<string, Promise<Cached<unknown>>>
}
const stores = new WeakMap<Db, Store>()

function storeOf(db: Db): Store {
  let s = stores.get(db)
  if (!s) stores.set(db, (s = { entries: new Map(), running: new Map() }))
  return s
}

const keepFor = (e: Entry) => (e.ms >= FRESH_MS ? e.ms * STALE_FACTOR : 0)
const asCached = <T>(e: Entry, stamp: string): Cached<T> => ({ value: e.value as T, computedAt: e.at, current: e.stamp === stamp, keepMs: keepFor(e) })

function lookup<T>(s: Store, key: string, stamp: string, now: number): Cached<T> | undefined {
  const hit = s.entries.get(key)
  if (!hit || (hit.stamp !== stamp && now - hit.at >= keepFor(hit))) return undefined
  // Most recently used last, so that the oldest entry is the first to go.
  s.entries.delete(key)
  s.entries.set(key, hit)
  return asCached(hit, stamp)
}

function keep(s: Store, key: string, entry: Entry): void {
  s.entries.delete(key)
  s.entries.set(key, entry)
  if (s.entries.size > MAX_ENTRIES) s.entries.delete(s.entries.keys().next().value!)
}

/** The value under `key`, computed here by `compute` when there is none or it is too old; `key` must name everything the value depends on. */
export function cachedResult<T>(db: Db, key: string, compute: () => T, now = Date.now()): Cached<T> {
  const s = storeOf(db)
  const stamp = dataStamp(db)
  const hit = lookup<T>(s, key, stamp, now)
  if (hit) return hit
  const started = performance.now()
  const entry: Entry = { stamp, at: now, ms: 0, value: compute() }
  entry.ms = performance.now() - started
  keep(s, key, entry)
  return asCached(entry, stamp)
}

/**
 * As `cachedResult`, but a figure that is slow (it took OFFLOAD_MS or more last time, or, never
 * computed yet, `looksSlow()` says so) is computed by `offload` (a worker thread) while the
 * server goes on. Requests meanwhile get the figure computed before, if there is one (stale while
 * revalidating, and the page says how old), or wait for that one computation.
 */
export async function keptResult<T>(db: Db, key: string, compute: () => T, offload: () => Promise<T>, looksSlow: () => boolean, now = Date.now()): Promise<Cached<T>> {
  const s = storeOf(db)
  const stamp = dataStamp(db)
  const hit = lookup<T>(s, key, stamp, now)
  if (hit) return hit
  const last = s.entries.get(key)
  if (!(last ? last.ms >= OFFLOAD_MS : looksSlow())) return cachedResult(db, key, compute, now)
  let work = s.running.get(key) as Promise<Cached<T>> | undefined
  if (!work) {
    work = (async () => {
      const started = performance.now()
      const entry: Entry = { stamp, at: now, ms: 0, value: await offload() }
      entry.ms = performance.now() - started
      keep(s, key, entry)
      return asCached<T>(entry, stamp)
    })().finally(() => s.running.delete(key))
    // Handled here as well: a failure reaches whoever waits for it, and nobody else.
    work.catch(() => undefined)
    s.running.set(key, work)
  }
  return last ? asCached<T>(last, stamp) : work
}

/** What a page made of several kept figures says of their age: that of the oldest one the data has changed since, if any. */
export function ageOf(figures: Cached<unknown>[]): Omit<Cached<unknown>, 'value'> {
  const old = figures.filter((f) => !f.current).sort((a, b) => a.computedAt - b.computedAt)[0]
  const f = old ?? figures[0]!
  return { computedAt: f.computedAt, current: f.current, keepMs: f.keepMs }
}

/**
 * How long after a request came in a page may wait for a figure still being worked out before it
 * shows without it (and asks again): pages over a big campaign answer within 200 ms (issue 9), so
 * what a page does besides waiting (its other queries, the template) must fit in the rest.
 */
export const FIGURE_WAIT_MS = 150

/**
 * The figure, or null when it is not in by `FIGURE_WAIT_MS` after the request came in
 * (`elapsedMs`: how long the request has been going, Fastify's `reply.elapsedTime`): the page then
 * says it is still being worked out and asks again, while the work goes on. A failure in time is
 * thrown, as if waited for; one after the page was shown goes to `onError`.
 */
export async function within<T>(work: Promise<T>, onError: (err: unknown) => void, elapsedMs: number): Promise<T | null> {
  work.catch(onError)
  const waiting = new AbortController()
  try {
    return await Promise.race([work, sleep(Math.max(0, FIGURE_WAIT_MS - elapsedMs), null, { signal: waiting.signal }).catch(() => null)])
  } finally {
    waiting.abort()
  }
}
