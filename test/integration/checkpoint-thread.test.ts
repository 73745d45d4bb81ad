import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/db/client.ts'
import { FALLBACK_PAGES, startCheckpointThread } from '../../src/jobs/checkpoint-thread.ts'

describe('WAL checkpoints from a thread of their own', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  it('copies the log back into the database file while the writing connection does not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-'))
    dirs.push(dir)
    const file = join(dir, 'shop.db')
    const db = openDatabase(file)
    const thread = startCheckpointThread(db, file)
    try {
      // The writing connection leaves checkpoints to the thread up to the fallback length.
      expect(db.$client.pragma('wal_autocheckpoint', { simple: true })).toBe(FALLBACK_PAGES)
      db.$client.exec('CREATE TABLE t (x BLOB)')
      const sizeBefore = statSync(file).size
      // About 2,000 pages (8 MB) in small commits: past SQLite's own 1,000 pages, far below the fallback.
      const insert = db.$client.prepare('INSERT INTO t VALUES (randomblob(4000))')
      for (let i = 0; i < 2000; i++) insert.run()
      let size = statSync(file).size
      for (let waited = 0; size < sizeBefore + 7_000_000 && waited < 5000; waited += 50) {
        await sleep(50)
        size = statSync(file).size
      }
      expect(size).toBeGreaterThan(sizeBefore + 7_000_000)
    } finally {
      await thread.close()
      db.$client.close()
    }
    // The thread closed its connection: the server's, closed last, checkpointed and removed the log.
    expect(existsSync(`${file}-wal`)).toBe(false)
  })
})
