import { cachedStatement, writeTransaction, type Db } from '../db/client.ts'
import { users, type Role, type User } from '../db/schema.ts'
import { insertRow, selectRow } from './rows.ts'

export function getUserByEmail(db: Db, email: string): User | undefined {
  return selectRow(db, users, 'WHERE email = ?', email)
}

export function insertUser(db: Db, user: { email: string; passwordHash: string; role: Role }): User {
  return insertRow(db, users, user)!
}

export function listUsers(db: Db) {
  return cachedStatement(db, 'SELECT id, email, role, locale, created_at AS createdAt, disabled_at AS disabledAt FROM users ORDER BY email').all() as {
    id: number
    email: string
    role: Role
    locale: string | null
    createdAt: string
    disabledAt: string | null
  }[]
}

export function countUsers(db: Db): number {
  return (cachedStatement(db, 'SELECT count(*) AS n FROM users').get() as { n: number }).n
}

/** New password hash; the user's sessions end with it. */
export function updateUserPassword(db: Db, userId: number, passwordHash: string): void {
  writeTransaction(db, () => {
    cachedStatement(db, 'UPDATE users SET password_hash = ? WHERE id = ?').run(passwordHash, userId)
    cachedStatement(db, 'DELETE FROM sessions WHERE user_id = ?').run(userId)
  })
}

export function updateUserLocale(db: Db, userId: number, locale: string): void {
  cachedStatement(db, 'UPDATE users SET locale = ? WHERE id = ?').run(locale, userId)
}
