import type { Db } from '../db/client.ts'
import { addAuditEntry } from '../repos/audit.ts'

/**
 * A consistent copy of the database while the server keeps writing: SQLite's online backup,
 * in steps between which the server goes on (better-sqlite3 runs it on the event loop); pages a
 * write changes meanwhile are copied again. Audited.
 */
export async function backupDatabase(db: Db, file: string, actor: string): Promise<void> {
  await db.$client.backup(file)
  addAuditEntry(db, { actor, action: 'backup', detail: { file: actor === 'cli' ? file : 'download' } })
}
