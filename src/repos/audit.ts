import { cachedStatement, type Db } from '../db/client.ts'

export function addAuditEntry(
  db: Db,
  entry: { actor: string; action: string; subject?: string | null; detail?: Record<string, unknown> },
): void {
  cachedStatement(db, 'INSERT INTO audit_log (actor, action, subject, detail) VALUES (?, ?, ?, ?)').run(
    entry.actor,
    entry.action,
    entry.subject ?? null,
    entry.detail ? JSON.stringify(entry.detail) : null,
  )
}

