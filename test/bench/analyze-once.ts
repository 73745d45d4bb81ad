// One analysis in a process of its own, so that its peak memory is its own: as the server runs
// it, in a task thread with its heap bound (jobs/analysis.ts), on the built JavaScript (npm run
// bench builds it first; under tsx each of the analysis's threads would first load the
// TypeScript transpiler).
const dist = (path: string) => new URL(`../../dist/${path}`, import.meta.url).href
const { openDatabase } = (await import(dist('db/client.js'))) as typeof import('../../src/db/client.ts')
const { runTask } = (await import(dist('jobs/tasks.js'))) as typeof import('../../src/jobs/tasks.ts')
const { analysisHeapMb } = (await import(dist('services/analyze.js'))) as typeof import('../../src/services/analyze.ts')
const { customerRowsHint } = (await import(dist('repos/customers.js'))) as typeof import('../../src/repos/customers.ts')

const file = process.argv[2]!
const db = openDatabase(file)
const heapMb = analysisHeapMb(customerRowsHint(db))
db.$client.close()
const t0 = performance.now()
const result = await runTask(file, 'analyze', { trigger: 'cli', asOf: '2026-06-30' }, undefined, heapMb)
const seconds = (performance.now() - t0) / 1000
// `seconds`: the analysis by its own clock (from its start to the swap of its figures); `withThreadStart`: with starting the task thread.
console.log(JSON.stringify({ seconds: result.seconds, withThreadStart: seconds, customers: result.customers, maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) }))
