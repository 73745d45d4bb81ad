import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { COUNT_CAP, listCustomers } from '../../src/repos/customers.ts'
import { analyze } from '../../src/services/analyze.ts'
import { tempDatabase, useTestDatabase } from '../helpers/build-app.ts'
import { importText } from '../helpers/factories.ts'
import { buildSyntheticShop } from '../helpers/synthetic-shop.ts'

describe('the customer list of a big shop', () => {
  const { db } = useTestDatabase()

  it('sorted by an analysis column, lists the analysed customers first and then those without an order, each once', async () => {
    await importText(db, 'customers', 'customer_id,last_name\nA,Adler\nB,Bach\nC,Clausen\nN1,Neu\nN2,Nagel\n')
    await importText(db, 'orders', 'order_id,customer_id,ordered_at,total\n1,A,2026-01-05,30\n2,A,2026-03-05,30\n3,B,2026-02-01,90\n4,C,2025-06-01,10\n')
    analyze(db, { asOf: '2026-06-30', trigger: 'cli' })
    const page = (offset: number, sort: 'days_since' | 'name' = 'days_since') => listCustomers(db, { sort, dir: 'asc', limit: 2, offset })
    const pages = [0, 2, 4].map((o) => page(o))
    expect(pages.map((p) => p.total)).toEqual([5, 5, 5])
    // Fewest days since the last order first (A: March, B: February, C: last June), then the two who never ordered, by id.
    expect(pages.flatMap((p) => p.rows.map((r) => r.externalId))).toEqual(['A', 'B', 'C', 'N1', 'N2'])
    expect(page(6).rows).toEqual([])
    // By name, everyone in one order.
    expect([0, 2, 4].flatMap((o) => page(o, 'name').rows.map((r) => r.lastName))).toEqual(['Adler', 'Bach', 'Clausen', 'Nagel', 'Neu'])
  })

  it('reads a page from one snapshot: an analysis swapped in between its parts drops nobody', async () => {
    const t = tempDatabase()
    try {
      await importText(t.db, 'customers', 'customer_id\nA\nB\n')
      await importText(t.db, 'orders', 'order_id,customer_id,ordered_at,total\n1,A,2026-01-05,30\n')
      analyze(t.db, { asOf: '2026-06-30', trigger: 'cli' })
      // Right after the analysed part is read, another connection gives B figures too, as a new
      // analysis swapping its table in would: B then belongs to the analysed part, read already.
      const client = t.db.$client as unknown as { prepare: (sql: string) => { all: (...a: unknown[]) => unknown } }
      const prepare = client.prepare
      client.prepare = function (this: unknown, sql: string) {
        const stmt = prepare.call(this, sql)
        if (!/^SELECT .* FROM \(SELECT a.customer_id AS id FROM customer_analysis/s.test(sql)) return stmt
        const all = stmt.all.bind(stmt)
        stmt.all = (...a: unknown[]) => {
          const rows = all(...a)
          const other = new Database(t.file)
          other.exec(`CREATE TEMP TABLE b AS SELECT * FROM customer_analysis WHERE customer_id = (SELECT id FROM customers WHERE external_id = 'A');
            UPDATE b SET customer_id = (SELECT id FROM customers WHERE external_id = 'B');
            INSERT INTO customer_analysis SELECT * FROM b`)
          other.close()
          return rows
        }
        return stmt
      }
      const page = listCustomers(t.db, { sort: 'days_since', dir: 'asc', limit: 25, offset: 0 })
      client.prepare = prepare
      expect(page.rows.map((r) => r.externalId)).toEqual(['A', 'B'])
    } finally {
      t.cleanup()
    }
  })

  it('counts a filtered list up to a cap, and the whole list exactly', () => {
    buildSyntheticShop(db, { customers: 1.6 * COUNT_CAP, ordersPerCustomer: 2, asOf: '2026-06-30' })
    const inDb = (where: string) => (db.$client.prepare(`SELECT count(*) AS n FROM customers ${where}`).get() as { n: number }).n
    const all = listCustomers(db, { sort: 'name', dir: 'asc', limit: 25, offset: 0 })
    expect(all).toMatchObject({ total: inDb(''), totalIsAtLeast: false })
    // Two in three customers speak German: more than the cap, so the count stops there.
    expect(listCustomers(db, { locale: 'de', sort: 'name', dir: 'asc', limit: 25, offset: 0 })).toMatchObject({ total: COUNT_CAP, totalIsAtLeast: true })
    expect(listCustomers(db, { locale: 'en', sort: 'name', dir: 'asc', limit: 25, offset: 0 })).toMatchObject({ total: inDb("WHERE locale = 'en'"), totalIsAtLeast: false })
  })
})
