import { and, eq, gt, lt } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { sessions, users } from '../db/schema.ts'

export function insertSession(db: Db, session: { idHash: string; userId: number; expiresAt: string }): void {
  db.insert(sessions).values(session).run()
}

/** The live session's user, or undefined when the session is unknown, expired or the user disabled. */
export function getSessionUser(db: Db, idHash: string, now: string) {
  return db
    .select({ id: users.id, email: users.email, role: users.role, disabledAt: users.disabledAt, lastSeenAt: sessions.lastSeenAt })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.idHash, idHash), gt(sessions.expiresAt, now)))
    .get()
}

export function touchSession(db: Db, idHash: string, lastSeenAt: string, expiresAt: string): void {
  db.update(sessions).set({ lastSeenAt, expiresAt }).where(eq(sessions.idHash, idHash)).run()
}

export function deleteSession(db: Db, idHash: string): void {
  db.delete(sessions).where(eq(sessions.idHash, idHash)).run()
}

export function deleteExpiredSessions(db: Db, now: string): void {
  db.delete(sessions).where(lt(sessions.expiresAt, now)).run()
}
