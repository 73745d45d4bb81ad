import argon2 from 'argon2'
import { z } from 'zod'
import { writeTransaction, type Db } from '../db/client.ts'
import type { Role, User } from '../db/schema.ts'
import { AppError, invalidInput, note } from '../domain/errors.ts'
import { isStaffLocale } from '../locales/index.ts'
import { newToken } from '../domain/tokens.ts'
import { addAuditEntry } from '../repos/audit.ts'
import { getUserByEmail, insertUser, updateUserLocale, updateUserPassword } from '../repos/users.ts'

/** Argon2id at OWASP's recommended minimum: 19 MiB memory, 2 iterations, 1 lane. */
const hashOptions = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const

export const roles = ['admin', 'manager', 'staff'] as const satisfies readonly Role[]

export const newUserSchema = z.object({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.email({ pattern: z.regexes.html5Email, error: 'v.email' })),
  role: z.enum(roles, { error: 'v.role' }),
  password: z.string().min(12, 'v.tooShort').max(1024),
})

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, hashOptions)
}

export function generatePassword(): string {
  return newToken().slice(0, 20)
}

export async function createUser(
  db: Db,
  input: { email: string; role: string; password: string },
  actor: string,
): Promise<User> {
  const parsed = newUserSchema.safeParse(input)
  if (!parsed.success) {
    throw invalidInput(parsed.error, 'user')
  }
  const { email, role, password } = parsed.data
  if (getUserByEmail(db, email)) throw new AppError(note('err.userExists', { email }), 409, 'exists')
  const passwordHash = await hashPassword(password)
  const user = insertUser(db, { email, role, passwordHash })
  addAuditEntry(db, { actor, action: 'user.create', subject: email, detail: { role } })
  return user
}

// Verifying against this when the user is unknown makes both failures take the same time.
let dummyHash: Promise<string> | undefined

/** The user when email and password match an active account; otherwise undefined, whichever part was wrong. */
export async function verifyLogin(db: Db, email: string, password: string): Promise<User | undefined> {
  const user = getUserByEmail(db, email.trim().toLowerCase())
  if (!user || user.disabledAt) {
    dummyHash ??= hashPassword(newToken())
    await argon2.verify(await dummyHash, password)
    return undefined
  }
  return (await argon2.verify(user.passwordHash, password)) ? user : undefined
}

/** Set a new password and end the user's sessions. */
export async function setPassword(db: Db, email: string, password: string, actor: string): Promise<void> {
  const parsed = newUserSchema.shape.password.safeParse(password)
  if (!parsed.success) throw invalidInput(parsed.error, 'user.password')
  const user = getUserByEmail(db, email.trim().toLowerCase())
  if (!user) throw new AppError(note('err.noUser', { email }), 404, 'not_found')
  const passwordHash = await hashPassword(password)
  updateUserPassword(db, user.id, passwordHash)
  addAuditEntry(db, { actor, action: 'user.password', subject: user.email })
}

/** The language of the staff pages for one user; only a language that has a catalogue. */
export function setUserLocale(db: Db, userId: number, locale: string, actor: string): void {
  if (!isStaffLocale(locale)) throw new AppError('err.language')
  writeTransaction(db, () => {
    updateUserLocale(db, userId, locale)
    addAuditEntry(db, { actor, action: 'user.locale', subject: actor, detail: { locale } })
  })
}
