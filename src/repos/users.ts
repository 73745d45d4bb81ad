import { asc, count, eq } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { sessions, users, type Role, type User } from '../db/schema.ts'

export function getUserByEmail(db: Db, email: string): User | undefined {
  return db.select().from(users).where(eq(users.email, email)).get()
}

export function insertUser(db: Db, user: { email: string; passwordHash: string; role: Role }): User {
  return db.insert(users).values(user).returning().get()
}

export function listUsers(db: Db) {
  return db
    .select({ id: users.id, email: users.email, role: users.role, createdAt: users.createdAt, disabledAt: users.disabledAt })
    .from(users)
    .orderBy(asc(users.email))
    .all()
}

export function countUsers(db: Db): number {
  return db.select({ n: count() }).from(users).get()!.n
}

/** New password hash; the user's sessions end with it. */
export function updateUserPassword(db: Db, userId: number, passwordHash: string): void {
  db.transaction((tx) => {
    tx.update(users).set({ passwordHash }).where(eq(users.id, userId)).run()
    tx.delete(sessions).where(eq(sessions.userId, userId)).run()
  })
}
