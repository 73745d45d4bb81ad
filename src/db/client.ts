import { createHash } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { readMigrationFiles } from 'drizzle-orm/migrator'
import * as schema from './schema.ts'

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database }

/** SHA-256 (hex) of an address, trimmed and lower-cased: what an erasure keeps of it. */
export function emailHash(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex')
}

export const migrationsFolder = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations')

/** Open (and create) the database file with the pragmas every connection needs. */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true })
  const sqlite = new Database(file)
  if (file !== ':memory:') sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  // Temporary tables (import staging) go to a file, so memory stays flat for large imports.
  sqlite.pragma('temp_store = FILE')
  // The hash an erasure keeps of an address (table erasures), for SQL to compare imports against.
  sqlite.function('email_hash', { deterministic: true }, (email: unknown) => (typeof email === 'string' ? emailHash(email) : null))
  return drizzle(sqlite, { schema }) as Db
}

export function migrateDatabase(db: Db): void {
  migrate(db, { migrationsFolder })
}

/** True when every migration in the folder has been applied. */
export function migrationsApplied(db: Db): boolean {
  const journal = db.$client
    .prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'")
    .get() as { n: number }
  if (journal.n === 0) return false
  const applied = db.$client.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }
  return applied.n >= expectedMigrationCount()
}

let expected: number | undefined
function expectedMigrationCount(): number {
  if (expected === undefined) {
    // readMigrationFiles is what migrate() itself uses to list the folder.
    expected = readMigrationFiles({ migrationsFolder }).length
  }
  return expected
}

/**
 * A transaction that takes the write lock at BEGIN (IMMEDIATE). A deferred one that reads first
 * and then writes fails at once with "database is locked" when another process (the CLI beside the
 * server) wrote in between; an immediate one waits its turn under busy_timeout instead.
 */
export function writeTransaction<T>(db: Db, fn: () => T): T {
  return transactionRunner(db).immediate(fn) as T
}

/** Reads that must see one snapshot of the database (a count and the rows it counts); takes no write lock. */
export function readTransaction<T>(db: Db, fn: () => T): T {
  return transactionRunner(db).deferred(fn) as T
}

// better-sqlite3's own transaction, made once per connection: drizzle's built a transaction
// object and a new wrapper on every call, three times the cost of a small write (the sender
// and the survey write several per message or answer). Nested calls become savepoints.
function transactionRunner(db: Db): Database.Transaction<(f: () => unknown) => unknown> {
  let run = transactionRunners.get(db.$client)
  if (!run) transactionRunners.set(db.$client, (run = db.$client.transaction((f: () => unknown) => f())))
  return run
}
const transactionRunners = new WeakMap<Database.Database, Database.Transaction<(f: () => unknown) => unknown>>()

/**
 * True for "database is locked": another connection held the write lock past busy_timeout (a large
 * import's merge, a CLI run beside the server). Callers that must not lose what they were writing
 * (a survey answer) say so and keep it, instead of failing with an internal error.
 */
export function isDatabaseBusy(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code.startsWith('SQLITE_BUSY')
}

const statements = new WeakMap<Database.Database, Map<string, Database.Statement>>()

/** A prepared statement, compiled once per connection: for the hot paths (the mail sender). */
export function cachedStatement(db: Db, sql: string): Database.Statement {
  return cachedRawStatement(db.$client, sql)
}

/** The same on a bare connection (the import's staging works on one). */
export function cachedRawStatement(sqlite: Database.Database, sql: string): Database.Statement {
  let cache = statements.get(sqlite)
  if (!cache) statements.set(sqlite, (cache = new Map()))
  let stmt = cache.get(sql)
  if (!stmt) cache.set(sql, (stmt = sqlite.prepare(sql)))
  return stmt
}

/**
 * A statement whose SQL a segment's rules shape: prepared afresh, never cached, since a cache
 * keyed by such SQL would grow with every rule anyone tries. Static SQL goes to `cachedStatement`.
 */
export function ruleStatement(db: Db, sql: string, shapedByRules: boolean): Database.Statement {
  return shapedByRules ? db.$client.prepare(sql) : cachedStatement(db, sql)
}

/**
 * A value that changes whenever the database does: rows this connection changed
 * (`total_changes()`) and commits by any other connection or process (`PRAGMA data_version`).
 */
export function dataStamp(db: Db): string {
  const changes = (cachedStatement(db, 'SELECT total_changes() AS n').get() as { n: number }).n
  return `${db.$client.pragma('data_version', { simple: true })}:${changes}`
}
