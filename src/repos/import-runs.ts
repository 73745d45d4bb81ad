import type { Db } from '../db/client.ts'
import { importRuns, type ImportRun } from '../db/schema.ts'
import { insertRow, selectRow, selectRows, updateRows } from './rows.ts'

export function insertImportRun(db: Db, run: typeof importRuns.$inferInsert): void {
  insertRow(db, importRuns, run)
}

export function updateImportRun(db: Db, id: string, changes: Partial<ImportRun>): void {
  updateRows(db, importRuns, changes, 'WHERE id = @whereId', { whereId: id })
}

export function getImportRun(db: Db, id: string): ImportRun | undefined {
  return selectRow(db, importRuns, 'WHERE id = ?', id)
}

export function listImportRuns(db: Db, limit = 20): ImportRun[] {
  return selectRows(db, importRuns, 'ORDER BY started_at DESC LIMIT ?', limit)
}

/** Runs still marked running when the process starts were cut off by a crash or restart. */
export function failInterruptedImportRuns(db: Db): void {
  updateRows(
    db,
    importRuns,
    { status: 'failed', finishedAt: new Date().toISOString(), report: JSON.stringify({ fileError: 'The import was interrupted by a restart. Importing the file again is safe: rows already imported stay as they are.' }) },
    "WHERE status = 'running'",
    {},
  )
}
