import { randomBytes } from 'node:crypto'
import type { Db } from '../db/client.ts'
import { getSetting, putSetting } from '../repos/settings.ts'

/** SESSION_SECRET from the environment, or one generated on first start and kept in the database. */
export function sessionSecret(db: Db, configured: string | undefined): string {
  if (configured) return configured
  const stored = getSetting<string>(db, 'session_secret')
  if (stored) return stored
  const secret = randomBytes(32).toString('base64url')
  putSetting(db, 'session_secret', secret)
  return secret
}
