import type { Db } from '../db/client.ts'
import { auditLog } from '../db/schema.ts'

export function addAuditEntry(
  db: Db,
  entry: { actor: string; action: string; subject?: string | null; detail?: Record<string, unknown> },
): void {
  db.insert(auditLog)
    .values({
      actor: entry.actor,
      action: entry.action,
      subject: entry.subject ?? null,
      detail: entry.detail ? JSON.stringify(entry.detail) : null,
    })
    .run()
}

