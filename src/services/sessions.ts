import type { Db } from '../db/client.ts'
import type { Role } from '../db/schema.ts'
import { hashToken, newToken } from '../domain/tokens.ts'
import { addAuditEntry } from '../repos/audit.ts'
import { deleteExpiredSessions, deleteSession, getSessionUser, insertSession, touchSession } from '../repos/sessions.ts'

/** A session ends after this long without a request. */
export const SESSION_IDLE_MS = 8 * 60 * 60 * 1000
const TOUCH_EVERY_MS = 60 * 1000

export interface SessionUser {
  id: number
  email: string
  role: Role
  /** The user's language for the staff pages; null: DEFAULT_LOCALE. */
  locale: string | null
}

export function startSession(db: Db, user: SessionUser, now = Date.now()): string {
  const token = newToken()
  deleteExpiredSessions(db, new Date(now).toISOString())
  insertSession(db, { idHash: hashToken(token), userId: user.id, expiresAt: new Date(now + SESSION_IDLE_MS).toISOString() })
  addAuditEntry(db, { actor: user.email, action: 'login' })
  return token
}

/** The user behind a session cookie, sliding the session's expiry forward. */
export function resumeSession(db: Db, token: string, now = Date.now()): SessionUser | undefined {
  const idHash = hashToken(token)
  const row = getSessionUser(db, idHash, new Date(now).toISOString())
  if (!row || row.disabledAt) return undefined
  if (now - Date.parse(row.lastSeenAt) > TOUCH_EVERY_MS) {
    touchSession(db, idHash, new Date(now).toISOString(), new Date(now + SESSION_IDLE_MS).toISOString())
  }
  return { id: row.id, email: row.email, role: row.role, locale: row.locale }
}

export function endSession(db: Db, token: string, actor: string): void {
  deleteSession(db, hashToken(token))
  addAuditEntry(db, { actor, action: 'logout' })
}
