// One `analyze` in a process of its own, so that its peak memory is its own. It runs the built
// JavaScript (npm run bench builds it first), as the server's analysis does: under tsx each of the
// analysis's threads would first load the TypeScript transpiler.
const { openDatabase } = (await import(new URL('../../dist/db/client.js', import.meta.url).href)) as typeof import('../../src/db/client.ts')
const { analyze } = (await import(new URL('../../dist/services/analyze.js', import.meta.url).href)) as typeof import('../../src/services/analyze.ts')

const db = openDatabase(process.argv[2]!)
const t0 = performance.now()
const result = analyze(db, { asOf: '2026-06-30', trigger: 'cli' })
const seconds = (performance.now() - t0) / 1000
db.$client.close()
console.log(JSON.stringify({ seconds, customers: result.customers, maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) }))
