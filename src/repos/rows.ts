import { getTableColumns, getTableName, type Column, type Table } from 'drizzle-orm'
import { cachedStatement, type Db } from '../db/client.ts'

/**
 * Whole rows of a table through statements compiled once per connection (cachedStatement),
 * typed and mapped as the drizzle schema declares them (booleans stored as 0/1 come back as
 * true/false). The query builder compiled and prepared its SQL again on every call: on a page
 * that reads a handful of rows that was most of the page's time.
 */
interface TableInfo {
  name: string
  /** `"snake_name" AS "camelKey", …`: a row as the schema's TypeScript type has it. */
  select: string
  columns: [key: string, column: Column][]
  /** Columns whose stored value differs from the TypeScript one (boolean mode). */
  mapped: [key: string, column: Column][]
}

const infos = new WeakMap<Table, TableInfo>()

function info(table: Table): TableInfo {
  let i = infos.get(table)
  if (!i) {
    const columns = Object.entries(getTableColumns(table)) as [string, Column][]
    i = {
      name: getTableName(table),
      select: columns.map(([key, c]) => `"${c.name}" AS "${key}"`).join(', '),
      columns,
      mapped: columns.filter(([, c]) => c.columnType === 'SQLiteBoolean'),
    }
    infos.set(table, i)
  }
  return i
}

/** The select list of a whole row, for `SELECT ${columnsOf(t)} FROM …`. */
export function columnsOf(table: Table): string {
  return info(table).select
}

/** A raw result row as the schema's row type. */
export function toRow<T extends Table>(table: T, raw: unknown): T['$inferSelect'] | undefined {
  if (raw === undefined || raw === null) return undefined
  const row = raw as Record<string, unknown>
  for (const [key, c] of info(table).mapped) if (row[key] !== null && row[key] !== undefined) row[key] = c.mapFromDriverValue(row[key])
  return row as T['$inferSelect']
}

/** One row by a `WHERE` clause (parameters positional or named). */
export function selectRow<T extends Table>(db: Db, table: T, where: string, ...params: unknown[]): T['$inferSelect'] | undefined {
  const i = info(table)
  return toRow(table, cachedStatement(db, `SELECT ${i.select} FROM "${i.name}" ${where}`).get(...params))
}

/** Rows by a `WHERE … ORDER BY …` clause. */
export function selectRows<T extends Table>(db: Db, table: T, where: string, ...params: unknown[]): T['$inferSelect'][] {
  const i = info(table)
  return cachedStatement(db, `SELECT ${i.select} FROM "${i.name}" ${where}`)
    .all(...params)
    .map((r) => toRow(table, r)!)
}

function driverValues(i: TableInfo, values: Record<string, unknown>): { keys: string[]; params: Record<string, unknown> } {
  const keys = i.columns.filter(([key]) => values[key] !== undefined).map(([key]) => key)
  const params: Record<string, unknown> = {}
  for (const [key, c] of i.columns) if (values[key] !== undefined) params[key] = values[key] === null ? null : c.mapToDriverValue(values[key])
  return { keys, params }
}

/**
 * Insert a row, leaving unset columns to their defaults, and return it; with `ignoreConflict`,
 * undefined when a unique key already holds such a row.
 */
export function insertRow<T extends Table>(db: Db, table: T, values: T['$inferInsert'], options: { ignoreConflict?: boolean } = {}): T['$inferSelect'] | undefined {
  const i = info(table)
  const { keys, params } = driverValues(i, values as Record<string, unknown>)
  const columnNames = Object.fromEntries(i.columns.map(([key, c]) => [key, c.name]))
  const sql = `INSERT INTO "${i.name}" (${keys.map((k) => `"${columnNames[k]}"`).join(', ')}) VALUES (${keys.map((k) => `@${k}`).join(', ')})${options.ignoreConflict ? ' ON CONFLICT DO NOTHING' : ''} RETURNING ${i.select}`
  return toRow(table, cachedStatement(db, sql).get(params))
}

/** Set the given columns of the rows a `WHERE` clause (named parameters) picks; returns how many changed. */
export function updateRows<T extends Table>(db: Db, table: T, changes: Partial<T['$inferInsert']>, where: string, whereParams: Record<string, unknown>): number {
  const i = info(table)
  const { keys, params } = driverValues(i, changes as Record<string, unknown>)
  // Changes set to null are kept: driverValues drops undefined only.
  if (keys.length === 0) return 0
  const columnNames = Object.fromEntries(i.columns.map(([key, c]) => [key, c.name]))
  const sql = `UPDATE "${i.name}" SET ${keys.map((k) => `"${columnNames[k]}" = @${k}`).join(', ')} ${where}`
  return cachedStatement(db, sql).run({ ...params, ...whereParams }).changes
}

/** A WHERE clause from the filters that are set, each condition with its bound parameters (values never enter the SQL). */
export class Conditions {
  readonly parts: string[] = []
  readonly params: Record<string, string | number> = {}

  /** Add `sql` with its parameters when `value` is given (not undefined, null or ''). */
  when(value: unknown, sql: string, params: Record<string, string | number> = {}): this {
    if (value !== undefined && value !== null && value !== '') {
      this.parts.push(sql)
      Object.assign(this.params, params)
    }
    return this
  }

  /** `WHERE a AND b`, or '' when nothing is set. */
  where(): string {
    return this.parts.length ? `WHERE ${this.parts.join(' AND ')}` : ''
  }

  /** ` AND a AND b`, to follow conditions of one's own. */
  and(): string {
    return this.parts.map((p) => ` AND ${p}`).join('')
  }
}
