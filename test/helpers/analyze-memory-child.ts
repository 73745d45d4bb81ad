// One analysis in a process of its own (test/integration/analysis-memory.test.ts): how much memory
// it holds at its fullest, measured after a full garbage collection at each progress report, and
// the process's peak resident size.
import { openDatabase } from '../../src/db/client.ts'
import { analyze } from '../../src/services/analyze.ts'

const gc = (globalThis as { gc?: () => void }).gc!
const db = openDatabase(process.argv[2]!)
let liveMiB = 0
const measure = () => {
  gc()
  const m = process.memoryUsage()
  liveMiB = Math.max(liveMiB, (m.heapUsed + m.arrayBuffers) / 1048576)
}
const result = analyze(db, { asOf: '2026-06-30', trigger: 'cli', onProgress: measure })
db.$client.close()
console.log(JSON.stringify({ customers: result.customers, liveMiB, peakRssMiB: process.resourceUsage().maxRSS / 1024 }))
