import { execFileSync } from 'node:child_process'
import { createWriteStream, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { tempDatabase } from '../helpers/build-app.ts'

const CUSTOMERS = 20_000

async function writeOrders(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path)
  out.write('order_id;customer_id;ordered_at;total;items\n')
  let chunk = ''
  for (let i = 1; i <= rows; i++) {
    chunk += `O${i};C${(i % CUSTOMERS) + 1};${String((i % 28) + 1).padStart(2, '0')}.${String((i % 12) + 1).padStart(2, '0')}.2024;${(5 + (i % 9000) / 100).toFixed(2).replace('.', ',')};Espresso|Cups\n`
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain')
      chunk = ''
    }
  }
  out.end(chunk)
  await once(out, 'finish')
}

/** Import in a process of its own, so that its peak memory is its own. */
function importInChild(dbFile: string, kind: string, file: string) {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'test/helpers/import-peak-memory.ts', dbFile, kind, file], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  })
  return JSON.parse(out.trim().split('\n').at(-1)!) as { maxRssMiB: number; seconds: number; imported: boolean; inserted: number; invalidRows: number }
}

describe('a 1,000,000-row orders file', () => {
  it('imports completely with memory as flat as for 100,000 rows', { timeout: 300_000 }, async () => {
    const small = tempDatabase()
    const large = tempDatabase()
    try {
      const customers = join(small.dir, 'customers.csv')
      writeFileSync(customers, 'customer_id,email\n' + Array.from({ length: CUSTOMERS }, (_, i) => `C${i + 1},c${i + 1}@example.com`).join('\n') + '\n')
      const smallFile = join(small.dir, 'orders-100k.csv')
      const largeFile = join(large.dir, 'orders-1m.csv')
      await writeOrders(smallFile, 100_000)
      await writeOrders(largeFile, 1_000_000)
      small.db.$client.close()
      large.db.$client.close()

      importInChild(small.file, 'customers', customers)
      importInChild(large.file, 'customers', customers)
      const r100k = importInChild(small.file, 'orders', smallFile)
      const r1m = importInChild(large.file, 'orders', largeFile)

      expect(r100k).toMatchObject({ imported: true, inserted: 100_000, invalidRows: 0 })
      expect(r1m).toMatchObject({ imported: true, inserted: 1_000_000, invalidRows: 0 })
      // Ten times the rows may not cost more than a little more memory: the rows stream through SQLite.
      console.log(`peak memory: 100k rows ${r100k.maxRssMiB} MiB, 1M rows ${r1m.maxRssMiB} MiB (${r1m.seconds}s)`)
      expect(r1m.maxRssMiB - r100k.maxRssMiB).toBeLessThan(64)
    } finally {
      small.cleanup()
      large.cleanup()
    }
  })
})
