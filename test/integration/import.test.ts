import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { ImportStage, indexesToRebuild } from '../../src/repos/import-stage.ts'
import { tempDatabase, useTestDatabase } from '../helpers/build-app.ts'
import { importDefaults, importText } from '../helpers/factories.ts'
import { importCsv } from '../../src/services/import.ts'
import { Readable } from 'node:stream'
import type { Db } from '../../src/db/client.ts'

function freshDb() {
  return useTestDatabase()
}

const all = (db: Db, sql: string) => db.$client.prepare(sql).all() as Record<string, unknown>[]
const one = (db: Db, sql: string) => db.$client.prepare(sql).get() as Record<string, unknown>

const customersCsv = [
  'customer_id,email,first_name,last_name,locale,email_consent',
  'C1,anna@Example.com,Anna,Schmidt,de,granted',
  'C2,ben@example.com,Ben,"Miller, Jr.",en,no',
  'C3,,Cem,Yılmaz,,',
].join('\n')


/** A problem as the command line shows it: the note beside the English reason is for the web page. */
const withoutNote = ({ line, column, reason }: { line: number; column: string | null; reason: string }) => ({ line, column, reason })

describe('customers import', () => {
  const { db } = freshDb()

  it('imports new customers with defaults, normalised values and consent events', async () => {
    const r = await importText(db, 'customers', customersCsv)
    expect(r).toMatchObject({ imported: true, rowsRead: 3, inserted: 3, updated: 0, unchanged: 0, invalidRows: 0, fileError: null })
    expect(all(db, 'SELECT external_id, email, last_name, locale, email_consent FROM customers ORDER BY external_id')).toEqual([
      { external_id: 'C1', email: 'anna@example.com', last_name: 'Schmidt', locale: 'de', email_consent: 'granted' },
      { external_id: 'C2', email: 'ben@example.com', last_name: 'Miller, Jr.', locale: 'en', email_consent: 'objected' },
      { external_id: 'C3', email: null, last_name: 'Yılmaz', locale: 'de', email_consent: 'unknown' },
    ])
    // Consent that was set is recorded as an event with its source; "unknown" needs none.
    expect(all(db, "SELECT c.external_id, e.status, e.previous_status, e.source FROM consent_events e JOIN customers c ON c.id = e.customer_id WHERE e.channel = 'email' ORDER BY 1")).toEqual([
      { external_id: 'C1', status: 'granted', previous_status: null, source: 'import' },
      { external_id: 'C2', status: 'objected', previous_status: null, source: 'import' },
    ])
  })

  it('changes nothing when the same file is imported again', async () => {
    const before = all(db, 'SELECT * FROM customers ORDER BY id')
    const events = one(db, 'SELECT count(*) AS n FROM consent_events')
    const r = await importText(db, 'customers', customersCsv)
    expect(r).toMatchObject({ imported: true, inserted: 0, updated: 0, unchanged: 3 })
    expect(all(db, 'SELECT * FROM customers ORDER BY id')).toEqual(before)
    expect(one(db, 'SELECT count(*) AS n FROM consent_events')).toEqual(events)
  })

  it('updates changed fields, keeps values of empty cells, and records the consent change', async () => {
    const r = await importText(db, 'customers', 'customer_id,email,first_name,email_consent\nC1,,Annabel,existing_customer\n')
    expect(r).toMatchObject({ inserted: 0, updated: 1, unchanged: 0 })
    expect(one(db, "SELECT email, first_name, last_name, email_consent FROM customers WHERE external_id = 'C1'")).toEqual({
      email: 'anna@example.com',
      first_name: 'Annabel',
      last_name: 'Schmidt',
      email_consent: 'existing_customer',
    })
    expect(one(db, "SELECT status, previous_status FROM consent_events WHERE json_extract(detail, '$.params.line') = 2 ORDER BY id DESC")).toEqual({
      status: 'existing_customer',
      previous_status: 'granted',
    })
  })

  it('never lifts an objection, and says so', async () => {
    const r = await importText(db, 'customers', 'customer_id,email_consent\nC2,granted\n')
    expect(one(db, "SELECT email_consent FROM customers WHERE external_id = 'C2'")).toEqual({ email_consent: 'objected' })
    expect(r.warnings.join(' ')).toMatch(/objection/)
  })
})

describe('file formats', () => {
  const { db } = freshDb()

  it('reads a German Excel file: BOM, semicolons, CRLF, decimal commas, DD.MM.YYYY, quoted fields', async () => {
    // A quoted line break parses, but a name is one line: refused where it starts, with its column.
    const broken = await importText(db, 'customers', '\uFEFFcustomer_id;first_name\r\nK1;"Jürgen\r\n(Büro; 2. OG)"\r\n')
    expect(broken).toMatchObject({ imported: false, problems: [{ line: 2, column: 'first_name', reason: expect.stringContaining('line break') }] })
    await importText(db, 'customers', '\uFEFFcustomer_id;first_name\r\nK1;"Jürgen (Büro; 2. OG)"\r\n')
    expect(one(db, "SELECT first_name FROM customers WHERE external_id = 'K1'")).toEqual({ first_name: 'Jürgen (Büro; 2. OG)' })
    const r = await importText(
      db,
      'orders',
      '\uFEFFOrder_ID;Customer_ID;Ordered_At;Total;Items\r\nA1;K1;01.03.2024;1.234,56;Espresso|Tassen\r\nA2;K1;2024-04-02T10:00:00+02:00;"12,50";\r\n',
    )
    expect(r).toMatchObject({ imported: true, inserted: 2, invalidRows: 0 })
    expect(all(db, "SELECT external_id, ordered_at, total_cents, currency, items, status FROM orders ORDER BY external_id")).toEqual([
      { external_id: 'A1', ordered_at: '2024-03-01T00:00:00.000Z', total_cents: 123456, currency: 'EUR', items: 'Espresso|Tassen', status: 'completed' },
      { external_id: 'A2', ordered_at: '2024-04-02T08:00:00.000Z', total_cents: 1250, currency: 'EUR', items: null, status: 'completed' },
    ])
  })

  it('reads a file however its bytes arrive: characters and CRLF split between chunks, mixed line breaks', async () => {
    const rows = ['customer_id;first_name;last_name', ...Array.from({ length: 300 }, (_, i) => `Ü${i};Jürgen-Çağrı ${i};Müller`)]
    // Seven bytes at a time: many an umlaut and many a CRLF fall across two chunks.
    const inChunks = (lines: string[]) => {
      const file = Buffer.from(lines.join('\r\n') + '\r\n', 'utf8')
      return Readable.from(Array.from({ length: Math.ceil(file.length / 7) }, (_, i) => file.subarray(i * 7, i * 7 + 7)))
    }
    const r = await importCsv(db, inChunks([...rows, 'Ü300;"Zeile\r\numbrochen";X']), 'chunks.csv', { ...importDefaults, kind: 'customers' })
    // The one quoted line break refused on its own line (302), no other row.
    expect(r.problems.map(withoutNote)).toEqual([{ line: 302, column: 'first_name', reason: expect.stringContaining('line break') }])
    expect(r).toMatchObject({ rowsRead: 301, invalidRows: 1 })
    const ok = await importCsv(db, inChunks(rows), 'chunks.csv', { ...importDefaults, kind: 'customers' })
    expect(ok).toMatchObject({ imported: true, inserted: 300, invalidRows: 0 })
    expect(one(db, "SELECT first_name, last_name FROM customers WHERE external_id = 'Ü299'")).toEqual({ first_name: 'Jürgen-Çağrı 299', last_name: 'Müller' })
    // \n, \r\n and a lone \r in one file: three rows, lines counted as an editor shows them.
    const mixed = await importText(db, 'customers', 'customer_id,email\nM1,m1@example.com\r\nM2,not-an-email\rM3,m3@example.com\n')
    expect(mixed.problems.map(withoutNote)).toEqual([{ line: 3, column: 'email', reason: expect.stringContaining('not-an-email') }])
    expect(mixed.rowsRead).toBe(3)
  })

  it('reports unknown columns and ignores them', async () => {
    const r = await importText(db, 'customers', 'customer_id,shoe_size\nK2,44\n')
    expect(r.imported).toBe(true)
    expect(r.warnings).toEqual(['Unknown column(s) ignored: shoe_size.'])
  })

  it('reads a Latin-1 file as invalid text rather than garbling names', async () => {
    const latin1 = Buffer.concat([Buffer.from('customer_id,last_name\nK3,M'), Buffer.from([0xfc]), Buffer.from('ller\n')])
    const r = await importText(db, 'customers', latin1)
    expect(r.imported).toBe(false)
    expect(r.problems.map(withoutNote)).toEqual([{ line: 2, column: 'last_name', reason: 'is not valid UTF-8 (save the file as UTF-8)' }])
  })
})

describe('bad files import nothing and say why', () => {
  const { db } = freshDb()
  const count = (table: string) => (one(db, `SELECT count(*) AS n FROM ${table}`) as { n: number }).n

  it('an empty file', async () => {
    const r = await importText(db, 'customers', '')
    expect(r).toMatchObject({ imported: false, fileError: 'The file is empty.' })
  })

  it('a header with no rows imports nothing and says so', async () => {
    const r = await importText(db, 'customers', 'customer_id,email\n')
    expect(r).toMatchObject({ rowsRead: 0, inserted: 0 })
    expect(r.warnings).toContain('The file has a header row but no data rows.')
  })

  it('a wrong header', async () => {
    const r = await importText(db, 'orders', 'id,customer,date,amount\n1,2,2024-01-01,5\n')
    expect(r.imported).toBe(false)
    expect(r.fileError).toMatch(/lacks the required column\(s\) order_id, customer_id, ordered_at, total/)
  })

  it('broken quoting', async () => {
    const r = await importText(db, 'customers', 'customer_id,first_name\nX1,"Anna\nX2,"Ben"x\n')
    expect(r.imported).toBe(false)
    expect(r.fileError).toMatch(/not valid CSV at line/)
    expect(count('customers')).toBe(0)
  })

  it('a quote left open in a large file: stopped at a megabyte, with the line where the record starts', async () => {
    const before = count('customers')
    // Read as a file is, 64 KiB at a time.
    const file = Buffer.from(`customer_id,first_name\nQ1,Anna\nQ2,"Ben\n${'Q3,Cem\n'.repeat(400_000)}`)
    const chunks = Array.from({ length: Math.ceil(file.length / 65536) }, (_, i) => file.subarray(i * 65536, (i + 1) * 65536))
    let read = 0
    const r = await importCsv(db, Readable.from((function* () { for (const c of chunks) { read += c.length; yield c } })()), 'open-quote.csv', { ...importDefaults, kind: 'customers' })
    // It stopped reading soon after the first megabyte.
    expect(read).toBeLessThan(1.5 * 1024 * 1024)
    expect(r).toMatchObject({ imported: false, fileError: 'The record starting at line 3 runs on past 1 MB: is a quote (") left open there? Nothing was imported.' })
    expect(count('customers')).toBe(before)
  })

  it('bad dates and numbers, with line, column and reason; valid rows of the same file are not imported either', async () => {
    await importText(db, 'customers', 'customer_id\nB1\n')
    const r = await importText(
      db,
      'orders',
      ['order_id,customer_id,ordered_at,total', 'O1,B1,2024-01-05,10.00', 'O2,B1,2024-02-30,10.00', 'O3,B1,2024-01-07,zehn', 'O4,B1,2024-01-08,-3', 'O5,B1,2024-01-09'].join('\n'),
    )
    expect(r).toMatchObject({ imported: false, rowsRead: 5, invalidRows: 4 })
    expect(r.problems.map(withoutNote)).toEqual([
      { line: 3, column: 'ordered_at', reason: '"2024-02-30" is not a real date' },
      { line: 4, column: 'total', reason: '"zehn" is not an amount' },
      { line: 5, column: 'total', reason: '"-3" is negative' },
      { line: 6, column: null, reason: 'has 3 fields, the header has 4' },
    ])
    expect(count('orders')).toBe(0)
  })

  it('an unknown customer', async () => {
    const r = await importText(db, 'orders', 'order_id,customer_id,ordered_at,total\nO1,B1,2024-01-05,10\nO2,NOPE,2024-01-05,10\n')
    expect(r.imported).toBe(false)
    expect(r.problems.map(withoutNote)).toEqual([{ line: 3, column: 'customer_id', reason: 'customer "NOPE" does not exist (import customers first)' }])
    expect(count('orders')).toBe(0)
  })

  it('duplicate ids in one file', async () => {
    const r = await importText(db, 'customers', 'customer_id,first_name\nD1,A\nD2,B\nD1,C\n')
    expect(r.imported).toBe(false)
    expect(r.problems.map(withoutNote)).toEqual([{ line: 4, column: 'customer_id', reason: '"D1" appears again (first on line 2)' }])
    expect(one(db, "SELECT count(*) AS n FROM customers WHERE external_id LIKE 'D%'")).toEqual({ n: 0 })
  })

  it('--skip-invalid imports the valid rows and reports the rest', async () => {
    const r = await importText(db, 'customers', 'customer_id,first_name,email\nD1,A,a@example.com\nD2,B,not-an-email\nD1,C,c@example.com\n', { skipInvalid: true })
    expect(r).toMatchObject({ imported: true, inserted: 1, invalidRows: 2 })
    expect(all(db, "SELECT external_id, first_name FROM customers WHERE external_id LIKE 'D%'")).toEqual([{ external_id: 'D1', first_name: 'A' }])
  })

  it('--dry-run reports what would happen and changes nothing', async () => {
    const before = count('customers')
    const r = await importText(db, 'customers', 'customer_id\nE1\nE2\nD1\n', { dryRun: true })
    expect(r).toMatchObject({ imported: false, dryRun: true, inserted: 2, unchanged: 1 })
    expect(count('customers')).toBe(before)
  })
})

describe('orders import', () => {
  const { db } = freshDb()

  it('upserts by order_id, moving nothing it need not', async () => {
    await importText(db, 'customers', 'customer_id\nP1\nP2\n')
    const file = 'order_id,customer_id,ordered_at,total,currency,status,coupon_code\nQ1,P1,2024-01-01,10,eur,completed,\nQ2,P1,2024-02-01,20,,cancelled,cb-abc\n'
    expect(await importText(db, 'orders', file)).toMatchObject({ inserted: 2 })
    expect(await importText(db, 'orders', file)).toMatchObject({ inserted: 0, updated: 0, unchanged: 2 })
    const r = await importText(db, 'orders', 'order_id,customer_id,ordered_at,total,status\nQ2,P2,2024-02-01,20,returned\n')
    expect(r).toMatchObject({ inserted: 0, updated: 1 })
    expect(all(db, 'SELECT o.external_id, c.external_id AS customer, o.currency, o.status, o.coupon_code FROM orders o JOIN customers c ON c.id = o.customer_id ORDER BY 1')).toEqual([
      { external_id: 'Q1', customer: 'P1', currency: 'EUR', status: 'completed', coupon_code: null },
      { external_id: 'Q2', customer: 'P2', currency: 'EUR', status: 'returned', coupon_code: 'CB-ABC' },
    ])
  })
})

describe('a large import into a small table', () => {
  const { db } = freshDb()
  const indexes = (table: string) => all(db, `SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = '${table}' ORDER BY name`)
  const n = 12_000

  it('builds the indexes again after its rows are in, exactly as they were', async () => {
    const customersBefore = indexes('customers')
    const ordersBefore = indexes('orders')
    expect(ordersBefore.length).toBeGreaterThanOrEqual(2)
    const customers = ['customer_id,email,last_name', ...Array.from({ length: n }, (_, i) => `L${i},l${i}@example.com,Lang${i}`)].join('\n')
    expect(await importText(db, 'customers', customers)).toMatchObject({ imported: true, inserted: n })
    const orders = ['order_id,customer_id,ordered_at,total', ...Array.from({ length: n }, (_, i) => `X${i},L${(i * 7) % n},2024-01-${String((i % 28) + 1).padStart(2, '0')},${i % 90}.50`)].join('\n')
    expect(await importText(db, 'orders', orders)).toMatchObject({ imported: true, inserted: n })
    expect(indexes('customers')).toEqual(customersBefore)
    expect(indexes('orders')).toEqual(ordersBefore)
    // The rebuilt indexes serve and guard as before: unique ids, lookups, the search.
    expect(() => db.$client.prepare("INSERT INTO orders (external_id, customer_id, ordered_at, total_cents, currency) VALUES ('X5', 1, '2024-01-01', 1, 'EUR')").run()).toThrow(/UNIQUE/)
    expect(one(db, "SELECT count(*) AS n FROM orders WHERE customer_id = (SELECT id FROM customers WHERE external_id = 'L7')")).toEqual({ n: 1 })
    expect(one(db, "SELECT count(*) AS n FROM customers_search WHERE customers_search MATCH 'Lang11999'")).toEqual({ n: 1 })
  })

  it('rebuilds only for at least 10,000 rows and at least as many as the table holds', () => {
    // After the test above: 12,000 customers and 12,000 orders.
    const names = (rows: { name: string }[] | null) => rows?.map((r) => r.name).sort() ?? null
    const empty = tempDatabase()
    expect(indexesToRebuild(empty.db.$client, 'orders', 9_999)).toBeNull()
    expect(names(indexesToRebuild(empty.db.$client, 'orders', 10_000))).toEqual(indexes('orders').map((r) => r.name))
    empty.cleanup()
    expect(indexesToRebuild(db.$client, 'orders', 11_999)).toBeNull()
    expect(names(indexesToRebuild(db.$client, 'orders', 12_000))).toEqual(indexes('orders').map((r) => r.name))
    expect(names(indexesToRebuild(db.$client, 'customers', 50_000))).toEqual(indexes('customers').map((r) => r.name))
  })

  it('a merge that fails after the indexes were dropped leaves them and the table as they were', async () => {
    const t = tempDatabase()
    const fresh = t.db
    const before = fresh.$client.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'orders' ORDER BY name").all()
    await importText(fresh, 'customers', ['customer_id', ...Array.from({ length: 10 }, (_, i) => `F${i}`)].join('\n'))
    // A trigger that refuses the last row: the insert fails once the indexes are gone.
    fresh.$client.exec("CREATE TEMP TRIGGER refuse_last AFTER INSERT ON main.orders WHEN new.external_id = 'Y11999' BEGIN SELECT RAISE(ABORT, 'refused'); END")
    const orders = ['order_id,customer_id,ordered_at,total', ...Array.from({ length: n }, (_, i) => `Y${i},F${i % 10},2024-02-01,5`)].join('\n')
    await expect(importText(fresh, 'orders', orders)).rejects.toThrow('refused')
    expect(fresh.$client.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'orders' ORDER BY name").all()).toEqual(before)
    expect(fresh.$client.prepare('SELECT count(*) AS n FROM orders').get()).toEqual({ n: 0 })
    t.cleanup()
  })
})

describe('the checks run without the write lock', () => {
  const { db, file } = freshDb()

  /** A stage whose first check is followed by another connection's commit, as a server's would be. */
  function stageWithCommitAfterCheck(sql: string) {
    const stage = new ImportStage(db.$client, 'orders')
    const s = stage as unknown as { check: (max: number) => unknown }
    const check = s.check.bind(stage)
    let checks = 0
    s.check = (max: number) => {
      const result = check(max)
      if (++checks === 1) {
        // Another connection writes while the checks hold no lock: the import does not wait for it.
        const other = new Database(file)
        other.pragma('busy_timeout = 0')
        other.exec(sql)
        other.close()
      }
      return result
    }
    return { stage, checks: () => checks }
  }
  const merge = (stage: ImportStage) => stage.merge({ apply: true, skipInvalid: false, actor: 'test', fileName: null, defaultLocale: 'de', defaultCurrency: 'EUR', maxProblems: 10 })
  const order = (id: string, customer: string) => ({ externalId: id, customerExternalId: customer, orderedAt: '2024-01-01T00:00:00.000Z', totalCents: 500, currency: undefined, items: undefined, couponCode: undefined, status: undefined })

  it('checks again under the lock when another connection committed meanwhile: no order of a customer erased in between', async () => {
    await importText(db, 'customers', 'customer_id\nW1\nW2\n')
    const { stage, checks } = stageWithCommitAfterCheck("DELETE FROM customers WHERE external_id = 'W2'")
    stage.add(order('WO1', 'W1'), 2)
    stage.add(order('WO2', 'W2'), 3)
    const result = merge(stage)
    stage.drop()
    expect(checks()).toBe(2)
    expect(result).toMatchObject({ applied: false, invalidRows: 1 })
    expect(result.problems.map((p) => p.reason)).toEqual(['customer "W2" does not exist (import customers first)'])
    expect(all(db, "SELECT external_id FROM orders WHERE external_id LIKE 'WO%'")).toEqual([])
  })

  it('merges on the first check when nobody else wrote', async () => {
    const stage = new ImportStage(db.$client, 'orders')
    const s = stage as unknown as { check: (max: number) => unknown }
    const check = s.check.bind(stage)
    let checks = 0
    s.check = (max: number) => (checks++, check(max))
    stage.add(order('WO3', 'W1'), 2)
    expect(merge(stage)).toMatchObject({ applied: true, counts: { inserted: 1 } })
    stage.drop()
    expect(checks).toBe(1)
  })
})
