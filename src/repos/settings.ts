import { eq } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { settings } from '../db/schema.ts'

export function getSetting<T>(db: Db, key: string): T | undefined {
  const row = db.select({ value: settings.value }).from(settings).where(eq(settings.key, key)).get()
  return row ? (JSON.parse(row.value) as T) : undefined
}

export function putSetting(db: Db, key: string, value: unknown): void {
  const json = JSON.stringify(value)
  db.insert(settings)
    .values({ key, value: json })
    .onConflictDoUpdate({ target: settings.key, set: { value: json, updatedAt: new Date().toISOString() } })
    .run()
}
