import { cachedStatement, type Db } from '../db/client.ts'

export function getSetting<T>(db: Db, key: string): T | undefined {
  const raw = getRawSetting(db, key)
  return raw === undefined ? undefined : (JSON.parse(raw) as T)
}

/** A setting's stored JSON text, or undefined. */
export function getRawSetting(db: Db, key: string): string | undefined {
  return (cachedStatement(db, 'SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined)?.value
}

export function putSetting(db: Db, key: string, value: unknown): void {
  cachedStatement(db, 'INSERT INTO settings (key, value) VALUES (@key, @value) ON CONFLICT (key) DO UPDATE SET value = @value, updated_at = @at').run({
    key,
    value: JSON.stringify(value),
    at: new Date().toISOString(),
  })
}
