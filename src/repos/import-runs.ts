import { desc, eq } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { importRuns, type ImportRun } from '../db/schema.ts'

export function insertImportRun(db: Db, run: typeof importRuns.$inferInsert): void {
  db.insert(importRuns).values(run).run()
}

export function updateImportRun(db: Db, id: string, changes: Partial<ImportRun>): void {
  db.update(importRuns).set(changes).where(eq(importRuns.id, id)).run()
}

export function getImportRun(db: Db, id: string): ImportRun | undefined {
  return db.select().from(importRuns).where(eq(importRuns.id, id)).get()
}

export function listImportRuns(db: Db, limit = 20): ImportRun[] {
  return db.select().from(importRuns).orderBy(desc(importRuns.startedAt)).limit(limit).all()
}

/** Runs still marked running when the process starts were cut off by a crash or restart. */
export function failInterruptedImportRuns(db: Db): void {
  db.update(importRuns)
    .set({ status: 'failed', finishedAt: new Date().toISOString(), report: JSON.stringify({ fileError: 'The import was interrupted by a restart. Importing the file again is safe: rows already imported stay as they are.' }) })
    .where(eq(importRuns.status, 'running'))
    .run()
}
