import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, afterEach, beforeEach } from 'vitest'
import { buildApp, type AppOptions } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { migrateDatabase, openDatabase, type Db } from '../../src/db/client.ts'

/** A fresh, migrated SQLite file in a temporary folder. */
export function tempDatabase(): { db: Db; dir: string; file: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'comeback-test-'))
  const file = join(dir, 'comeback.db')
  const db = openDatabase(file)
  migrateDatabase(db)
  return {
    db,
    dir,
    file,
    cleanup: () => {
      if (db.$client.open) db.$client.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export function testConfig(dbFile: string, env: Record<string, string> = {}) {
  return loadConfig({ COMEBACK_DB: dbFile, SESSION_SECRET: 'test-secret-test-secret-test-secret-42', LOG_LEVEL: 'silent', ...env })
}

export interface TestApp {
  app: FastifyInstance
  db: Db
  dir: string
  file: string
}

/** A new app on a new database file before each test, closed and deleted after. */
export function useTestApp(options: Partial<AppOptions> & { configEnv?: Record<string, string> } = {}): TestApp {
  const ctx = {} as TestApp
  let cleanup: () => void = () => {}
  beforeEach(async () => {
    const t = tempDatabase()
    cleanup = t.cleanup
    ctx.db = t.db
    ctx.dir = t.dir
    ctx.file = t.file
    const { configEnv, ...appOptions } = options
    ctx.app = await buildApp({ config: testConfig(t.file, configEnv), db: t.db, ...appOptions })
    await ctx.app.ready()
  })
  afterEach(async () => {
    await ctx.app.close()
    cleanup()
  })
  return ctx
}

/** A migrated database for the whole file's tests. */
export function useTestDatabase(): { db: Db; dir: string; file: string } {
  const t = tempDatabase()
  afterAll(() => t.cleanup())
  return t
}
