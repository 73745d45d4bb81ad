import { cachedStatement, type Db } from '../db/client.ts'
import { apiKeys, type ApiKey } from '../db/schema.ts'
import { insertRow, selectRow, selectRows } from './rows.ts'

export function insertApiKey(db: Db, key: typeof apiKeys.$inferInsert): ApiKey | undefined {
  return insertRow(db, apiKeys, key, { ignoreConflict: true })
}

export function listApiKeys(db: Db): ApiKey[] {
  return selectRows(db, apiKeys, 'ORDER BY revoked_at IS NOT NULL, name COLLATE NOCASE')
}

export function findApiKeyByName(db: Db, name: string): ApiKey | undefined {
  return selectRow(db, apiKeys, 'WHERE name = ?', name)
}

/** A key that still works, by the hash of what the client sent. */
export function findLiveApiKey(db: Db, keyHash: string): ApiKey | undefined {
  return selectRow(db, apiKeys, 'WHERE key_hash = ? AND revoked_at IS NULL', keyHash)
}

export function revokeApiKeyRow(db: Db, id: number, at: string): boolean {
  return cachedStatement(db, 'UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id).changes === 1
}

export function touchApiKey(db: Db, id: number, at: string): void {
  cachedStatement(db, 'UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(at, id)
}
