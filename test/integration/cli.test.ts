import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { tempDatabase } from '../helpers/build-app.ts'
import { openDatabase } from '../../src/db/client.ts'
import { verifyLogin } from '../../src/services/users.ts'
import { saveSegment } from '../../src/services/segments.ts'

function comeback(dbFile: string, args: string[], input?: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['src/cli/comeback.js', ...args], {
    encoding: 'utf8',
    input,
    // Vitest puts BASE_URL=/ into the environment; the CLI would rightly refuse it.
    env: { ...process.env, BASE_URL: '', COMEBACK_DB: dbFile, LOG_LEVEL: 'silent', CI: '1', ...env },
  })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

describe('comeback CLI', () => {
  it('exports a segment by name or built-in slug, to a file or stdout, and says what is wrong with an option', () => {
    const t = tempDatabase()
    try {
      const customers = join(t.dir, 'customers.csv')
      writeFileSync(customers, 'customer_id,email,first_name,email_consent\nC1,a@example.com,=Anna,granted\nC2,b@example.com,Bert,objected\n')
      expect(comeback(t.file, ['import', 'customers', customers]).code).toBe(0)
      const db = openDatabase(t.file)
      saveSegment(db, { name: 'Everyone', rules: { version: 1, root: { match: 'all', rules: [] } } }, 'test')
      db.$client.close()
      const file = join(t.dir, 'out.csv')
      const toFile = comeback(t.file, ['export', 'segment', 'Everyone', '--out', file, '--purpose', 'contact-email'])
      expect(toFile.code).toBe(0)
      expect(toFile.err).toContain('1 row(s) exported')
      const text = readFileSync(file, 'utf8')
      expect(text.startsWith('\uFEFFcustomer_id;')).toBe(true)
      expect(text).toContain("C1;'=Anna;")
      expect(text).not.toContain('C2;')
      const stdout = comeback(t.file, ['export', 'segment', 'Everyone', '--delimiter', ','])
      expect(stdout.code).toBe(0)
      expect(stdout.out.split(/\r?\n/).filter(Boolean)).toHaveLength(3)
      expect(comeback(t.file, ['export', 'segment', 'won-back']).code).toBe(0)
      const bad = comeback(t.file, ['export', 'segment', 'Everyone', '--delimiter', '|'])
      expect(bad.code).toBe(2)
      expect(bad.err).toContain('--delimiter must be ";" or ","')
      const unknown = comeback(t.file, ['export', 'segment', 'Nobody'])
      expect(unknown.code).toBe(1)
      expect(unknown.err).toContain('Segment not found.')
      const audit = new Database(t.file, { readonly: true })
      expect((audit.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'export.segment' AND actor = 'cli'").get() as { n: number }).n).toBe(3)
      audit.close()
    } finally {
      t.cleanup()
    }
  })

  it('imports customers and orders, and exits non-zero with a report on invalid rows', () => {
    const t = tempDatabase()
    try {
      const customers = join(t.dir, 'customers.csv')
      writeFileSync(customers, 'customer_id,email\nC1,a@example.com\nC2,b@example.com\n')
      const ok = comeback(t.file, ['import', 'customers', customers])
      expect(ok.code).toBe(0)
      expect(ok.out).toContain('Imported customers.')
      expect(ok.out).toContain('2 rows read: 2 new, 0 updated, 0 unchanged, 0 invalid.')

      const orders = join(t.dir, 'orders.csv')
      writeFileSync(orders, 'order_id,customer_id,ordered_at,total\nO1,C1,2024-01-01,10\nO2,C9,2024-01-01,10\n')
      const dry = comeback(t.file, ['import', 'orders', orders, '--dry-run'])
      expect(dry.code).toBe(1)
      expect(dry.out).toContain('line 3, customer_id: customer "C9" does not exist')
      const bad = comeback(t.file, ['import', 'orders', orders])
      expect(bad.code).toBe(1)
      expect(bad.out).toContain('Nothing was imported: 1 invalid row(s).')
      const skip = comeback(t.file, ['import', 'orders', orders, '--skip-invalid'])
      expect(skip.code).toBe(0)
      expect(skip.out).toContain('1 new')

      expect(comeback(t.file, ['import', 'orders', join(t.dir, 'missing.csv')]).code).toBe(2)
      expect(comeback(t.file, ['import', 'products', orders]).code).toBe(2)
    } finally {
      t.cleanup()
    }
  })

  it('names a bad configuration value and exits 2', () => {
    const t = tempDatabase()
    try {
      const r = comeback(t.file, ['migrate'], undefined, { DEFAULT_LOCALE: 'fr' })
      expect(r.code).toBe(2)
      expect(r.err).toContain('DEFAULT_LOCALE')
    } finally {
      t.cleanup()
    }
  })

  it('adds a user with a password from stdin, or prints a generated one once', async () => {
    const t = tempDatabase()
    try {
      const r = comeback(t.file, ['user', 'add', 'Boss@Example.com', '--role', 'admin', '--password-stdin'], 'a long enough password\n')
      expect(r.code).toBe(0)
      expect(r.out).toContain('Created admin boss@example.com.')
      expect(await verifyLogin(t.db, 'boss@example.com', 'a long enough password')).toBeTruthy()
      const gen = comeback(t.file, ['user', 'add', 'help@example.com', '--role', 'staff'])
      const password = /Password \(shown only now\): (\S+)/.exec(gen.out)![1]!
      expect(await verifyLogin(t.db, 'help@example.com', password)).toBeTruthy()
      expect(comeback(t.file, ['user', 'add', 'x@example.com', '--role', 'king']).code).toBe(2)
      const dup = comeback(t.file, ['user', 'add', 'boss@example.com', '--role', 'staff'])
      expect(dup.code).toBe(1)
      expect(dup.err).toContain('already exists')
      const short = comeback(t.file, ['user', 'add', 'y@example.com', '--role', 'staff', '--password-stdin'], 'short')
      expect(short.err).toContain('Password: needs at least 12 characters')
    } finally {
      t.cleanup()
    }
  })

  it('loads the same demo shop for the same seed and date, refuses a non-empty database, and backs up', () => {
    const a = tempDatabase()
    const b = tempDatabase()
    try {
      const args = ['demo', '--customers', '400', '--seed', '42', '--as-of', '2026-01-31']
      expect(comeback(a.file, args).out).toMatch(/Demo shop loaded: 400 customers, \d+ orders, \d+ survey answers\./)
      expect(comeback(b.file, args).code).toBe(0)
      const dump = (file: string) => {
        const db = openDatabase(file)
        const rows = db.$client
          .prepare('SELECT c.external_id, c.email, c.first_name, c.email_consent, o.external_id AS o, o.ordered_at, o.total_cents, o.items FROM customers c JOIN orders o ON o.customer_id = c.id ORDER BY o.external_id')
          .all()
        db.$client.close()
        return rows
      }
      const rowsA = dump(a.file)
      expect(rowsA.length).toBeGreaterThan(2000)
      expect(rowsA).toEqual(dump(b.file))
      // The demo campaign's answers, holdout and coupons are the same too.
      const answers = (file: string) => {
        const db = openDatabase(file)
        const rows = db.$client
          .prepare('SELECT m.customer_id, m.holdout, r.answers, r.main_reason, r.nps, c.code FROM campaign_members m LEFT JOIN responses r ON r.member_id = m.id LEFT JOIN rewards w ON w.response_id = r.id LEFT JOIN coupons c ON c.id = w.coupon_id ORDER BY m.customer_id')
          .all() as { main_reason: string | null; holdout: number }[]
        db.$client.close()
        return rows
      }
      const answersA = answers(a.file)
      expect(answersA).toEqual(answers(b.file))
      expect(answersA.filter((r) => r.holdout === 1).length).toBeGreaterThan(0)
      expect(new Set(answersA.map((r) => r.main_reason).filter(Boolean)).size).toBeGreaterThan(4)

      const again = comeback(a.file, args)
      expect(again.code).toBe(1)
      expect(again.err).toContain('only loaded into an empty database')

      const backup = join(a.dir, 'backup.db')
      expect(comeback(a.file, ['backup', backup]).code).toBe(0)
      const copy = new Database(backup, { readonly: true })
      expect(copy.prepare('SELECT count(*) AS n FROM orders').get()).toEqual({ n: rowsA.length })
      copy.close()
    } finally {
      a.cleanup()
      b.cleanup()
    }
  })
})
