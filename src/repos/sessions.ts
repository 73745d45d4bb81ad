import { cachedStatement, type Db } from '../db/client.ts'
import type { Role } from '../db/schema.ts'

export function insertSession(db: Db, session: { idHash: string; userId: number; expiresAt: string }): void {
  cachedStatement(db, 'INSERT INTO sessions (id_hash, user_id, expires_at) VALUES (@idHash, @userId, @expiresAt)').run(session)
}

/** The live session's user, or undefined when the session is unknown, expired or the user disabled. */
export function getSessionUser(db: Db, idHash: string, now: string) {
  return cachedStatement(
    db,
    `SELECT u.id, u.email, u.role, u.locale, u.disabled_at AS disabledAt, s.last_seen_at AS lastSeenAt
     FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ? AND s.expires_at > ?`,
  ).get(idHash, now) as { id: number; email: string; role: Role; locale: string | null; disabledAt: string | null; lastSeenAt: string } | undefined
}

export function touchSession(db: Db, idHash: string, lastSeenAt: string, expiresAt: string): void {
  cachedStatement(db, 'UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id_hash = ?').run(lastSeenAt, expiresAt, idHash)
}

export function deleteSession(db: Db, idHash: string): void {
  cachedStatement(db, 'DELETE FROM sessions WHERE id_hash = ?').run(idHash)
}

export function deleteExpiredSessions(db: Db, now: string): void {
  cachedStatement(db, 'DELETE FROM sessions WHERE expires_at < ?').run(now)
}
