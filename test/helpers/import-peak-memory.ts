// Run one CSV import in a process of its own and print its peak memory (for the flat-memory test).
import { createReadStream } from 'node:fs'
import { migrateDatabase, openDatabase } from '../../src/db/client.ts'
import { importCsv } from '../../src/services/import.ts'

const [dbFile, kind, file] = process.argv.slice(2) as [string, 'customers' | 'orders', string]
const db = openDatabase(dbFile)
migrateDatabase(db)
const started = Date.now()
const report = await importCsv(db, createReadStream(file), file, { kind, actor: 'test', defaultLocale: 'de', defaultCurrency: 'EUR' })
db.$client.close()
console.log(
  JSON.stringify({
    maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    seconds: (Date.now() - started) / 1000,
    imported: report.imported,
    inserted: report.inserted,
    invalidRows: report.invalidRows,
  }),
)
