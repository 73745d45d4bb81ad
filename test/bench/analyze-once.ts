// One `analyze` in a process of its own, so that its peak memory is its own.
import { openDatabase } from '../../src/db/client.ts'
import { analyze } from '../../src/services/analyze.ts'

const db = openDatabase(process.argv[2]!)
const t0 = performance.now()
const result = analyze(db, { asOf: '2026-06-30', trigger: 'cli' })
const seconds = (performance.now() - t0) / 1000
db.$client.close()
console.log(JSON.stringify({ seconds, customers: result.customers, maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) }))
