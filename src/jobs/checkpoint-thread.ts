import { statSync } from 'node:fs'
import { Worker, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'
import type { Db } from '../db/client.ts'
import { workerSource } from './tasks.ts'

/**
 * WAL checkpoints of the server's database, from a thread of its own.
 *
 * SQLite copies the write-ahead log back into the database file (a checkpoint) on the commit that
 * finds the log past 1,000 pages: on the server that is a request's commit, which then waits for
 * the copy (and its fsync). A batch of 10,000 orders through the API dirties several thousand
 * pages, so nearly every batch paid for a checkpoint: a quarter of its time. Here a thread on its
 * own connection checkpoints a few times a second while anything is written, beside the requests.
 *
 * The server's connection keeps checkpointing itself, but only once the log is `fallbackPages`
 * long: if this thread falls behind or stops, the log still does not grow without bound.
 */
export interface CheckpointThread {
  close(): Promise<void>
}

const POLL_MS = 100
export const FALLBACK_PAGES = 10_000

export function startCheckpointThread(db: Db, dbFile: string, onError: (err: Error) => void = () => undefined): CheckpointThread {
  db.$client.pragma(`wal_autocheckpoint = ${FALLBACK_PAGES}`)
  const worker = new Worker(workerSource('checkpoint-thread'), { eval: true, workerData: { comebackCheckpoint: { dbFile, pollMs: POLL_MS } } })
  worker.unref()
  // A thread that fails leaves the checkpoints to the server's connection, at the fallback length.
  worker.on('error', onError)
  return {
    // Its connection closes with the thread: the server's, closed last, then checkpoints and
    // removes the log as on any clean close.
    async close() {
      await worker.terminate()
    },
  }
}

// Only inside such a thread: every `pollMs`, if the log was written since the last look, copy
// back what no reader still needs.
const data = workerData as { comebackCheckpoint?: { dbFile: string; pollMs: number } } | null
if (data?.comebackCheckpoint) {
  const { dbFile, pollMs } = data.comebackCheckpoint
  const sqlite = new Database(dbFile)
  sqlite.pragma('busy_timeout = 1000')
  sqlite.pragma('wal_autocheckpoint = 0')
  let seen = 0
  setInterval(() => {
    let written: number
    try {
      written = statSync(`${dbFile}-wal`).mtimeMs
    } catch {
      return
    }
    if (written === seen) return
    seen = written
    // PASSIVE: never waits for a reader or a writer; what a reader still needs is copied next time.
    try {
      sqlite.pragma('wal_checkpoint(PASSIVE)')
    } catch (e) {
      // Another connection checkpointing at that moment (the server's fallback, a backup): next time.
      if (!(e instanceof Database.SqliteError && e.code.startsWith('SQLITE_BUSY'))) throw e
      seen = 0
    }
  }, pollMs)
}
