import { cachedStatement, type Db } from '../db/client.ts'
import { Conditions } from './rows.ts'

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


export interface AuditFilter {
  /** The kind of entry: the part of the action before the dot (`export`, `segment`, `campaign`, …). */
  kind?: string
  actor?: string
  /** Inclusive days, YYYY-MM-DD. */
  from?: string
  to?: string
}

function auditWhere(f: AuditFilter) {
  const c = new Conditions()
    .when(f.kind, "(action = @kind OR substr(action, 1, length(@kind) + 1) = @kind || '.')", { kind: f.kind! })
    .when(f.actor, 'actor = @actor', { actor: f.actor! })
    .when(f.from, 'at >= @from', { from: f.from! })
    .when(f.to, 'at < @to', { to: `${f.to}\uffff` })
  return { where: c.where(), params: c.params }
}

/** One page of the audit log, newest first, and how many entries match. */
export function listAuditEntries(db: Db, f: AuditFilter, limit: number, offset: number) {
  const { where, params } = auditWhere(f)
  const rows = cachedStatement(db, `SELECT id, at, actor, action, subject, detail FROM audit_log ${where} ORDER BY id DESC LIMIT @limit OFFSET @offset`).all({ ...params, limit, offset }) as {
    id: number
    at: string
    actor: string
    action: string
    subject: string | null
    detail: string | null
  }[]
  const total = (cachedStatement(db, `SELECT count(*) AS n FROM audit_log ${where}`).get(params) as { n: number }).n
  return { rows, total }
}

/** The kinds and actors there are, for the filter's choices. */
export function auditChoices(db: Db) {
  return {
    kinds: cachedStatement(db, "SELECT DISTINCT CASE WHEN instr(action, '.') > 0 THEN substr(action, 1, instr(action, '.') - 1) ELSE action END AS kind FROM audit_log ORDER BY 1").pluck().all() as string[],
    actors: cachedStatement(db, 'SELECT DISTINCT actor FROM audit_log ORDER BY 1 LIMIT 200').pluck().all() as string[],
  }
}
