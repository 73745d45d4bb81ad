import argon2 from 'argon2'
import { z } from 'zod'
import type { Db } from '../db/client.ts'
import type { Role, User } from '../db/schema.ts'
import { AppError } from '../domain/errors.ts'
import { newToken } from '../domain/tokens.ts'
import { addAuditEntry } from '../repos/audit.ts'
import { getUserByEmail, insertUser, updateUserPassword } from '../repos/users.ts'

/** Argon2id at OWASP's recommended minimum: 19 MiB memory, 2 iterations, 1 lane. */
const hashOptions = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const

export const roles = ['admin', 'manager', 'staff'] as const satisfies readonly Role[]

export const newUserSchema = z.object({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.email({ pattern: z.regexes.html5Email, error: 'is not a valid email address' })),
  role: z.enum(roles, { error: 'must be admin, manager or staff' }),
  password: z.string().min(12, 'must be at least 12 characters').max(1024),
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
    const issue = parsed.error.issues[0]!
    throw new AppError(`${String(issue.path[0] ?? 'input')} ${issue.message}`)
  }
  const { email, role, password } = parsed.data
  if (getUserByEmail(db, email)) throw new AppError(`A user ${email} already exists`, 409, 'exists')
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
  if (!parsed.success) throw new AppError(`password ${parsed.error.issues[0]!.message}`)
  const user = getUserByEmail(db, email.trim().toLowerCase())
  if (!user) throw new AppError(`No user ${email}`, 404, 'not_found')
  const passwordHash = await hashPassword(password)
  updateUserPassword(db, user.id, passwordHash)
  addAuditEntry(db, { actor, action: 'user.password', subject: user.email })
}
