import { createHash } from 'node:crypto'
import { customAlphabet } from 'nanoid'

/** 32 characters of a 64-letter alphabet: 192 random bits. */
const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_'
export const newToken = customAlphabet(alphabet, 32)

/** Tokens are stored only as their SHA-256, so a copy of the database opens nothing. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url')
}
