import type { Database } from 'better-sqlite3'
import { nanoid } from 'nanoid'
import { note } from '../domain/errors.ts'
import { enqueueDeliveries } from './webhooks.ts'
import { rowProblem, type CustomerRecord, type EventRecord, type ImportKind, type OrderRecord, type RowProblem } from '../domain/import-records.ts'

/**
 * A temporary staging table for one import: valid records are streamed into it in batches,
 * then checked as a whole (duplicates, unknown customers) and merged into the real tables in
 * one transaction. Memory stays flat whatever the file size: the rows live in SQLite. Rows are
 * staged in the order of the file, so the stage's rowid order is line order (no sort needed).
 */

const stageColumns: Record<ImportKind, string[]> = {
  customers: [
    'external_id',
    'email',
    'first_name',
    'last_name',
    'locale',
    'email_consent',
    'phone',
    'phone_consent',
    'created_at',
  ],
  orders: ['external_id', 'customer_external_id', 'ordered_at', 'total_cents', 'currency', 'items', 'coupon_code', 'status'],
  events: ['external_id', 'customer_external_id', 'occurred_at', 'kind', 'note'],
}

export interface MergeCounts {
  inserted: number
  updated: number
  unchanged: number
  /** Customers whose recorded objection an import tried to lift (it stays). */
  objectionsKept: number
  /** Comeback coupons redeemed by orders of this import (orders import only). */
  couponsRedeemed: number
  /** Coupon codes on orders of this import that redeemed nothing: unknown, used, expired or below the minimum. */
  couponsRefused: number
}

export interface MergeOptions {
  apply: boolean
  skipInvalid: boolean
  actor: string
  /** The file the consent changes came from, for their evidence (null: not from a file). */
  fileName: string | null
  defaultLocale: string
  defaultCurrency: string
  maxProblems: number
}

interface Checked {
  problems: RowProblem[]
  invalidRows: number
  counts: MergeCounts
}

export class ImportStage {
  readonly table: string
  private readonly insert
  private pending: unknown[][] = []
  private readonly flush

  constructor(
    private readonly sqlite: Database,
    readonly kind: ImportKind,
  ) {
    this.table = `import_stage_${nanoid(10).replace(/[^A-Za-z0-9]/g, '_')}`
    const cols = stageColumns[kind]
    const extra =
      kind === 'customers'
        ? 'customer_id INTEGER, prev_email_consent TEXT, prev_phone_consent TEXT, changed INTEGER NOT NULL DEFAULT 0'
        : 'customer_id INTEGER, row_id INTEGER, changed INTEGER NOT NULL DEFAULT 0'
    sqlite.exec(
      `CREATE TEMP TABLE ${this.table} (line INTEGER NOT NULL, ${cols.map((c) => `${c} ${c === 'total_cents' ? 'INTEGER' : 'TEXT'}`).join(', ')}, problem TEXT, ${extra})`,
    )
    this.insert = sqlite.prepare(
      `INSERT INTO ${this.table} (line, ${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')}, ?)`,
    )
    this.flush = sqlite.transaction((rows: unknown[][]) => {
      for (const row of rows) this.insert.run(row)
    })
  }

  add(record: CustomerRecord | OrderRecord | EventRecord, line: number): void {
    this.pending.push(
      this.kind === 'customers'
        ? customerValues(record as CustomerRecord, line)
        : this.kind === 'orders'
          ? orderValues(record as OrderRecord, line)
          : eventValues(record as EventRecord, line),
    )
    if (this.pending.length >= 2000) this.flushPending()
  }

  private flushPending(): void {
    if (this.pending.length === 0) return
    this.flush(this.pending)
    this.pending = []
  }

  /**
   * Check the staged rows as a whole and, when `apply` is set and nothing is invalid (or invalid
   * rows are skipped), merge them. Returns the problems found and the counts.
   *
   * The checks write only the stage (a temporary table), so they run without the database's write
   * lock: answers, pages and the sender keep writing meanwhile. The lock is taken for the merge
   * alone, and if another connection committed in between (`PRAGMA data_version` changed) the
   * checks run again under it, so what is merged is checked against what is there.
   */
  merge(options: MergeOptions): { problems: RowProblem[]; invalidRows: number; counts: MergeCounts; applied: boolean } {
    this.flushPending()
    const finish = (checked: Checked) => {
      const applied = options.apply && (checked.invalidRows === 0 || options.skipInvalid)
      if (applied) {
        // The checks counted the new rows: the merge needs no count of its own.
        if (this.kind === 'customers') this.applyCustomers(options, checked.counts.inserted)
        else if (this.kind === 'orders') Object.assign(checked.counts, this.applyOrders(options, checked.counts.inserted))
        else this.applyEvents()
      }
      return { ...checked, applied }
    }
    // The merge writes every row into two or three indexes at once: a larger page cache for it
    // (32 MiB, given back after), and no foreign-key probe per row, as the checks looked up the
    // customer ids in the data the merge sees (again under the lock if anyone wrote in between).
    // The pragma cannot change inside a transaction, so it is set around it.
    const cacheBefore = this.sqlite.pragma('cache_size', { simple: true }) as number
    const foreignKeys = this.sqlite.pragma('foreign_keys', { simple: true }) as number
    const outer = this.sqlite.inTransaction
    this.sqlite.pragma('cache_size = -32768')
    if (options.apply && !outer) this.sqlite.pragma('foreign_keys = OFF')
    try {
      // Inside a caller's transaction (a savepoint): it holds what it holds, one step.
      if (outer) return this.sqlite.transaction(() => finish(this.check(options.maxProblems)))()
      const version = this.dataVersion()
      let checked = this.sqlite.transaction(() => this.check(options.maxProblems)).deferred()
      if (!options.apply || (checked.invalidRows > 0 && !options.skipInvalid)) return { ...checked, applied: false }
      return this.sqlite
        .transaction(() => {
          if (this.dataVersion() !== version) {
            this.clearChecks()
            checked = this.check(options.maxProblems)
          }
          return finish(checked)
        })
        .immediate()
    } finally {
      this.sqlite.pragma(`cache_size = ${cacheBefore}`)
      if (!this.sqlite.inTransaction) this.sqlite.pragma(`foreign_keys = ${foreignKeys}`)
    }
  }

  /** Changes whenever another connection commits to the database (not this one's own writes). */
  private dataVersion(): number {
    return this.sqlite.pragma('data_version', { simple: true }) as number
  }

  /** Repeated ids, unknown customers, and how each row compares with what is stored: written into the stage. */
  private check(maxProblems: number): Checked {
    const t = this.table
    this.sqlite.exec(`CREATE INDEX IF NOT EXISTS temp.${t}_ext ON ${t} (external_id)`)
    const problems: RowProblem[] = []
    const idColumn = { customers: 'customer_id', orders: 'order_id', events: 'event_id' }[this.kind]

    // Repeated ids: the first row stands, each later one is a problem. The repeated ids are
    // found once by grouping the index (a correlated subquery per row cost a second per million).
    this.sqlite.exec(
      `CREATE TEMP TABLE ${t}_dups AS SELECT external_id AS id, min(line) AS first FROM ${t} GROUP BY external_id HAVING count(*) > 1`,
    )
    const duplicateWhere = `external_id IN (SELECT id FROM ${t}_dups) AND line > (SELECT first FROM ${t}_dups WHERE id = ${t}.external_id)`
    for (const row of this.sqlite
      .prepare(`SELECT line, external_id AS id, (SELECT first FROM ${t}_dups WHERE id = ${t}.external_id) AS first FROM ${t} WHERE ${duplicateWhere} ORDER BY rowid LIMIT ?`)
      .all(maxProblems) as { line: number; id: string; first: number }[]) {
      // An event without an event_id has an id made from the row: the same row twice.
      problems.push(row.id.startsWith('row:') ? rowProblem(row.line, null, note('import.sameEvent', { first: row.first })) : rowProblem(row.line, idColumn, note('import.duplicate', { value: row.id, first: row.first })))
    }
    this.sqlite.exec(`UPDATE ${t} SET problem = 'duplicate' WHERE ${duplicateWhere}`)

    if (this.kind !== 'customers') {
      this.sqlite.exec(
        `UPDATE ${t} SET customer_id = c.id FROM customers c WHERE c.external_id = ${t}.customer_external_id`,
      )
      for (const row of this.sqlite
        .prepare(`SELECT line, customer_external_id AS id FROM ${t} WHERE customer_id IS NULL AND problem IS NULL ORDER BY rowid LIMIT ?`)
        .all(maxProblems) as { line: number; id: string }[]) {
        problems.push(rowProblem(row.line, 'customer_id', note('import.unknownCustomer', { value: row.id })))
      }
      this.sqlite.exec(`UPDATE ${t} SET problem = 'unknown customer' WHERE customer_id IS NULL AND problem IS NULL`)
    }

    const invalidRows = (this.sqlite.prepare(`SELECT count(*) AS n FROM ${t} WHERE problem IS NOT NULL`).get() as { n: number }).n
    const counts = this.kind === 'customers' ? this.compareCustomers() : this.kind === 'orders' ? this.compareOrders() : this.compareEvents()
    problems.sort((a, b) => a.line - b.line)
    return { problems: problems.slice(0, maxProblems), invalidRows, counts }
  }

  /** Undo what check() wrote, to check again against data another connection changed. */
  private clearChecks(): void {
    const t = this.table
    const looked = this.kind === 'customers' ? 'prev_email_consent = NULL, prev_phone_consent = NULL' : 'row_id = NULL'
    this.sqlite.exec(`DROP TABLE ${t}_dups; UPDATE ${t} SET problem = NULL, customer_id = NULL, ${looked}, changed = 0`)
  }

  private compareCustomers(): MergeCounts {
    const t = this.table
    const sticky = (col: string) =>
      `CASE WHEN c.${col} = 'objected' THEN 'objected' ELSE coalesce(${t}.${col}, c.${col}) END`
    const differs = ['email', 'first_name', 'last_name', 'locale', 'phone', 'created_at']
      .map((col) => `coalesce(${t}.${col}, c.${col}) IS NOT c.${col}`)
      .concat([`${sticky('email_consent')} IS NOT c.email_consent`, `${sticky('phone_consent')} IS NOT c.phone_consent`])
      .join(' OR ')
    this.sqlite.exec(
      `UPDATE ${t} SET customer_id = c.id, prev_email_consent = c.email_consent, prev_phone_consent = c.phone_consent,
         changed = (${differs})
       FROM customers c WHERE c.external_id = ${t}.external_id AND ${t}.problem IS NULL`,
    )
    return this.counts(
      `sum(customer_id IS NULL)`,
      `sum(customer_id IS NOT NULL AND (
         (prev_email_consent = 'objected' AND email_consent IS NOT NULL AND email_consent <> 'objected') OR
         (prev_phone_consent = 'objected' AND phone_consent IS NOT NULL AND phone_consent <> 'objected')))`,
    )
  }

  private compareOrders(): MergeCounts {
    const t = this.table
    const differs = ['ordered_at', 'total_cents', 'currency', 'items', 'coupon_code', 'status']
      .map((col) => `coalesce(${t}.${col}, o.${col}) IS NOT o.${col}`)
      .concat([`${t}.customer_id IS NOT o.customer_id`])
      .join(' OR ')
    this.sqlite.exec(
      `UPDATE ${t} SET row_id = o.id, changed = (${differs})
       FROM orders o WHERE o.external_id = ${t}.external_id AND ${t}.problem IS NULL`,
    )
    return this.counts('sum(row_id IS NULL)', '0')
  }

  private compareEvents(): MergeCounts {
    const t = this.table
    const differs = ['occurred_at', 'kind']
      .map((col) => `${t}.${col} IS NOT e.${col}`)
      .concat([`coalesce(${t}.note, e.note) IS NOT e.note`, `${t}.customer_id IS NOT e.customer_id`])
      .join(' OR ')
    this.sqlite.exec(
      `UPDATE ${t} SET row_id = e.id, changed = (${differs})
       FROM events e WHERE e.external_id = ${t}.external_id AND ${t}.problem IS NULL`,
    )
    return this.counts('sum(row_id IS NULL)', '0')
  }

  private applyEvents(): void {
    const t = this.table
    const now = new Date().toISOString()
    this.sqlite
      .prepare(
        `INSERT INTO events (external_id, customer_id, occurred_at, kind, note, inserted_at, updated_at)
         SELECT external_id, customer_id, occurred_at, kind, note, @now, @now FROM ${t} WHERE problem IS NULL AND row_id IS NULL ORDER BY rowid`,
      )
      .run({ now })
    this.sqlite
      .prepare(
        `UPDATE events SET customer_id = s.customer_id, occurred_at = s.occurred_at, kind = s.kind, note = coalesce(s.note, events.note), updated_at = @now
         FROM ${t} s WHERE s.row_id = events.id AND s.changed AND s.problem IS NULL`,
      )
      .run({ now })
  }

  private counts(insertedExpr: string, objectionsExpr: string): MergeCounts {
    const row = this.sqlite
      .prepare(
        `SELECT count(*) AS total, coalesce(${insertedExpr}, 0) AS inserted, coalesce(sum(changed), 0) AS updated,
                coalesce(${objectionsExpr}, 0) AS objectionsKept
         FROM ${this.table} WHERE problem IS NULL`,
      )
      .get() as { total: number; inserted: number; updated: number; objectionsKept: number }
    return {
      inserted: row.inserted,
      updated: row.updated,
      unchanged: row.total - row.inserted - row.updated,
      objectionsKept: row.objectionsKept,
      couponsRedeemed: 0,
      couponsRefused: 0,
    }
  }

  private applyCustomers(options: MergeOptions, adding: number): void {
    const t = this.table
    const now = new Date().toISOString()
    this.withIndexesRebuiltWhenLarge('customers', adding, () => this.sqlite
      .prepare(
        `INSERT INTO customers (external_id, email, first_name, last_name, locale, email_consent, phone, phone_consent, created_at, inserted_at, updated_at)
         SELECT external_id, email, first_name, last_name, coalesce(locale, @locale), coalesce(email_consent, 'unknown'), phone,
                coalesce(phone_consent, 'unknown'), created_at, @now, @now
         FROM ${t} WHERE problem IS NULL AND customer_id IS NULL ORDER BY rowid`,
      )
      .run({ locale: options.defaultLocale, now }))
    const sticky = (col: string) =>
      `CASE WHEN customers.${col} = 'objected' THEN 'objected' ELSE coalesce(s.${col}, customers.${col}) END`
    this.sqlite
      .prepare(
        `UPDATE customers SET
           email = coalesce(s.email, customers.email), first_name = coalesce(s.first_name, customers.first_name),
           last_name = coalesce(s.last_name, customers.last_name), locale = coalesce(s.locale, customers.locale),
           email_consent = ${sticky('email_consent')}, phone = coalesce(s.phone, customers.phone),
           phone_consent = ${sticky('phone_consent')}, created_at = coalesce(s.created_at, customers.created_at),
           updated_at = @now
         FROM ${t} s WHERE s.customer_id = customers.id AND s.changed AND s.problem IS NULL`,
      )
      .run({ now })
    // Every consent that the import set or changed becomes an event, so that it can be proven later.
    for (const channel of ['email', 'phone'] as const) {
      this.sqlite
        .prepare(
          `INSERT INTO consent_events (customer_id, channel, status, previous_status, source, actor, detail, created_at)
           SELECT c.id, '${channel}', c.${channel}_consent, s.prev_${channel}_consent, 'import', @actor,
                  json_object('key', @evidenceKey, 'params', json_object('file', @file, 'line', s.line)), @now
           FROM ${t} s JOIN customers c ON c.external_id = s.external_id
           WHERE s.problem IS NULL AND c.${channel}_consent IS NOT coalesce(s.prev_${channel}_consent, 'unknown')`,
        )
        .run({ actor: options.actor, evidenceKey: options.fileName ? 'evidence.importFile' : 'evidence.import', file: options.fileName ?? '', now })
    }
    // An address whose customer was erased comes back objected: never mailed again (SPEC §11).
    // (Hashing every imported address costs time: only when anyone was ever erased.)
    if (!this.sqlite.prepare('SELECT EXISTS (SELECT 1 FROM erasures)').pluck().get()) return
    const erased = this.sqlite
      .prepare(
        `SELECT c.id, c.email_consent AS prev FROM ${t} s JOIN customers c ON c.external_id = s.external_id
         WHERE s.problem IS NULL AND c.email IS NOT NULL AND c.email_consent <> 'objected' AND email_hash(c.email) IN (SELECT email_hash FROM erasures)`,
      )
      .all() as { id: number; prev: string }[]
    const object = this.sqlite.prepare("UPDATE customers SET email_consent = 'objected', updated_at = ? WHERE id = ?")
    const evidence = this.sqlite.prepare(
      `INSERT INTO consent_events (customer_id, channel, status, previous_status, source, actor, detail, created_at)
       VALUES (?, 'email', 'objected', ?, 'erasure', 'system', json_object('key', 'evidence.erasedAddress'), ?)`,
    )
    for (const c of erased) {
      object.run(now, c.id)
      evidence.run(c.id, c.prev, now)
    }
  }

  private applyOrders(options: MergeOptions, adding: number): { couponsRedeemed: number; couponsRefused: number } {
    const t = this.table
    const now = new Date().toISOString()
    this.withIndexesRebuiltWhenLarge('orders', adding, () => this.sqlite
      .prepare(
        `INSERT INTO orders (external_id, customer_id, ordered_at, total_cents, currency, items, coupon_code, status, inserted_at, updated_at)
         SELECT external_id, customer_id, ordered_at, total_cents, coalesce(currency, @currency), items, coupon_code,
                coalesce(status, 'completed'), @now, @now
         FROM ${t} WHERE problem IS NULL AND row_id IS NULL ORDER BY rowid`,
      )
      .run({ currency: options.defaultCurrency, now }))
    this.sqlite
      .prepare(
        `UPDATE orders SET
           customer_id = s.customer_id, ordered_at = s.ordered_at, total_cents = s.total_cents,
           currency = coalesce(s.currency, orders.currency), items = coalesce(s.items, orders.items),
           coupon_code = coalesce(s.coupon_code, orders.coupon_code), status = coalesce(s.status, orders.status),
           updated_at = @now
         FROM ${t} s WHERE s.row_id = orders.id AND s.changed AND s.problem IS NULL`,
      )
      .run({ now })
    return this.redeemCoupons()
  }

  /**
   * Orders that carry a Comeback coupon redeem it: the earliest completed order with the code,
   * once, if it was placed before the coupon expired and reached its minimum value. In SQL,
   * as one statement, because an import may hold a million orders. The staged rows lead (CROSS
   * JOIN fixes the order): left to itself, the planner scanned every order of the shop for each
   * import, and a batch of 10,000 into a million orders took four times as long as into none.
   */
  private redeemCoupons(): { couponsRedeemed: number; couponsRefused: number } {
    const t = this.table
    const redeemed = this.sqlite
      .prepare(
        `UPDATE coupons SET redeemed_at = x.ordered_at, redeemed_order = x.external_id
         FROM (
           SELECT c.id AS couponId, o.external_id, o.ordered_at,
                  row_number() OVER (PARTITION BY c.id ORDER BY o.ordered_at, o.id) AS rn
           FROM ${t} s
           CROSS JOIN orders o ON o.external_id = s.external_id
           JOIN coupons c ON c.code = o.coupon_code
           -- A new order without a code redeems nothing: its row is not even looked up.
           WHERE s.problem IS NULL AND (s.coupon_code IS NOT NULL OR s.row_id IS NOT NULL)
             AND o.status = 'completed' AND c.redeemed_at IS NULL
             AND o.ordered_at <= c.expires_at AND o.total_cents >= c.min_order_cents
         ) x
         WHERE x.rn = 1 AND coupons.id = x.couponId
         RETURNING coupons.code, coupons.redeemed_order AS orderId, coupons.redeemed_at AS redeemedAt`,
      )
      .all() as { code: string; orderId: string; redeemedAt: string }[]
    // Webhooks hear of each redemption, as of those through the API.
    const now = new Date().toISOString()
    for (const r of redeemed) enqueueDeliveries(this.sqlite, 'coupon.redeemed', JSON.stringify({ event: 'coupon.redeemed', at: now, data: { code: r.code, order_id: r.orderId, redeemed_at: r.redeemedAt } }))
    const withCode = this.sqlite
      .prepare(
        `SELECT count(*) AS n FROM ${t} s CROSS JOIN orders o ON o.external_id = s.external_id
         WHERE s.problem IS NULL AND (s.coupon_code IS NOT NULL OR s.row_id IS NOT NULL) AND o.coupon_code IS NOT NULL AND o.status = 'completed'
           AND NOT EXISTS (SELECT 1 FROM coupons c WHERE c.code = o.coupon_code AND c.redeemed_order = o.external_id)`,
      )
      .get() as { n: number }
    return { couponsRedeemed: redeemed.length, couponsRefused: withCode.n }
  }

  /**
   * Run `insert`, which adds `adding` new rows to `table`, with the table's secondary indexes
   * dropped and built again after when `indexesToRebuild` says so. SQLite builds an index from
   * sorted keys several times faster than it inserts a million keys one by one in random order.
   * Inside the merge's transaction: an error or a crash rolls the drop back with everything else,
   * and other connections keep reading the table and its indexes as they were until the commit.
   */
  private withIndexesRebuiltWhenLarge(table: 'orders' | 'customers', adding: number, insert: () => void): void {
    const indexes = indexesToRebuild(this.sqlite, table, adding) ?? []
    for (const index of indexes) this.sqlite.exec(`DROP INDEX "${index.name}"`)
    insert()
    for (const index of indexes) this.sqlite.exec(index.sql)
  }

  drop(): void {
    this.pending = []
    this.sqlite.exec(`DROP TABLE IF EXISTS ${this.table}; DROP TABLE IF EXISTS ${this.table}_dups`)
  }
}

/**
 * The secondary indexes of `table` to drop before adding `adding` rows and to build again after,
 * or null when the insert keeps them: only for at least 10,000 rows, and at least as many as the
 * table holds (a first import, a shop that doubles). The bench's SQLite-alone floor follows the
 * same rule.
 */
export function indexesToRebuild(sqlite: Database, table: 'orders' | 'customers', adding: number): { name: string; sql: string }[] | null {
  if (adding < 10_000) return null
  // The rowid span bounds the rows there without counting them (a count reads a whole index).
  // Each of min and max on its own is one seek; together in one SELECT they read the table.
  const there = sqlite.prepare(`SELECT coalesce((SELECT max(rowid) FROM ${table}) - (SELECT min(rowid) FROM ${table}) + 1, 0)`).pluck().get() as number
  if (adding < there) return null
  return sqlite.prepare(`SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`).all(table) as { name: string; sql: string }[]
}

// One staged row: the line, then the columns in stageColumns' order (undefined stored as NULL).
function customerValues(r: CustomerRecord, line: number): unknown[] {
  return [line, r.externalId, r.email ?? null, r.firstName ?? null, r.lastName ?? null, r.locale ?? null, r.emailConsent ?? null, r.phone ?? null, r.phoneConsent ?? null, r.createdAt ?? null]
}

function orderValues(r: OrderRecord, line: number): unknown[] {
  return [line, r.externalId, r.customerExternalId, r.orderedAt, r.totalCents, r.currency ?? null, r.items ?? null, r.couponCode ?? null, r.status ?? null]
}

function eventValues(r: EventRecord, line: number): unknown[] {
  return [line, r.externalId, r.customerExternalId, r.occurredAt, r.kind, r.note ?? null]
}
