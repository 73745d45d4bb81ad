import type { Db } from '../db/client.ts'
import type { ApiKey } from '../db/schema.ts'
import { AppError, note } from '../domain/errors.ts'
import { hashToken, newToken } from '../domain/tokens.ts'
import { addAuditEntry } from '../repos/audit.ts'
import { findApiKeyByName, findLiveApiKey, insertApiKey, revokeApiKeyRow, touchApiKey } from '../repos/api-keys.ts'

export const apiScopes = ['read', 'write'] as const
export type ApiScope = (typeof apiScopes)[number]
export const API_KEY_NAME_MAX = 60

/** A new key for the JSON API: returned once, in the clear (`cb_` and 192 random bits); only its SHA-256 is kept. */
export function createApiKey(db: Db, input: { name: string; scope: string }, actor: string): { key: string; row: ApiKey } {
  const name = input.name.trim()
  if (name.length < 1 || name.length > API_KEY_NAME_MAX || /[\u0000-\u001f]/.test(name)) throw new AppError(note('err.apiKeyName', { max: API_KEY_NAME_MAX }))
  if (!(apiScopes as readonly string[]).includes(input.scope)) throw new AppError(note('err.apiKeyScope', { scopes: apiScopes.join(', ') }))
  const key = `cb_${newToken()}`
  const row = insertApiKey(db, { name, scope: input.scope as ApiScope, keyHash: hashToken(key), prefix: key.slice(0, 7), createdBy: actor })
  if (!row) throw new AppError(note('err.apiKeyTaken', { name }), 409, 'taken')
  addAuditEntry(db, { actor, action: 'apikey.create', subject: name, detail: { scope: input.scope } })
  return { key, row }
}

export function revokeApiKey(db: Db, name: string, actor: string, now = new Date()): void {
  const row = findApiKeyByName(db, name)
  if (!row) throw new AppError(note('err.apiKeyUnknown', { name }), 404, 'not_found')
  if (!revokeApiKeyRow(db, row.id, now.toISOString())) throw new AppError(note('err.apiKeyRevoked', { name }), 409, 'revoked')
  addAuditEntry(db, { actor, action: 'apikey.revoke', subject: name })
}

/** Last use is written at most once a minute per key: a busy shop's requests do not each write. */
const TOUCH_MS = 60_000
const touched = new Map<string, number>()

/** The live key a bearer token belongs to, or undefined; records its use. */
export function authenticateApiKey(db: Db, token: string, now = Date.now()): ApiKey | undefined {
  if (!/^cb_[0-9A-Za-z_-]{32}$/.test(token)) return undefined
  const row = findLiveApiKey(db, hashToken(token))
  if (row && now - (touched.get(row.keyHash) ?? 0) >= TOUCH_MS) {
    touched.set(row.keyHash, now)
    touchApiKey(db, row.id, new Date(now).toISOString())
  }
  return row
}
