// One import in a process of its own, so that its time and peak memory are its own.
import { openDatabase } from '../../src/db/client.ts'
import { startImportRun } from '../../src/services/import.ts'

const [file, kind, csv] = process.argv.slice(2) as [string, 'customers' | 'orders', string]
const db = openDatabase(file)
const t0 = performance.now()
const report = await startImportRun(db, csv, { kind, actor: 'bench', defaultLocale: 'de', defaultCurrency: 'EUR' }).done
const seconds = (performance.now() - t0) / 1000
db.$client.close()
if (!report.imported) throw new Error(`not imported: ${JSON.stringify(report.problems.slice(0, 3))} ${report.fileError}`)
console.log(JSON.stringify({ seconds, rows: report.rowsRead, maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) }))
