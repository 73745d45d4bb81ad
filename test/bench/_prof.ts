import { buildApp } from '/work/main/src/app.ts'
import { loadConfig } from '/work/main/src/config.ts'
import { openDatabase } from '/work/main/src/db/client.ts'
import { createSurveyLink } from '/work/main/src/services/links.ts'
const db = openDatabase('/tmp/demo/c.db')
const config = loadConfig({ COMEBACK_DB: '/tmp/demo/c.db', LOG_LEVEL: 'silent', SESSION_SECRET: 'x'.repeat(40) })
const app = await buildApp({ config, db })
const tokens = Array.from({ length: 200 }, (_, i) => createSurveyLink(db, 100 + i, { baseUrl: 'http://x', actor: 't' }).token)
for (let i = 0; i < 500; i++) await app.inject(`/s/${tokens[i % 200]}`)
const n = Number(process.argv[2] ?? 3000)
let t0 = performance.now()
for (let i = 0; i < n; i++) await app.inject(`/s/${tokens[i % 200]}`)
console.log('survey GET', ((performance.now() - t0) / n).toFixed(3), 'ms')
t0 = performance.now()
for (let i = 0; i < n; i++) await app.inject(`/healthz`)
console.log('healthz', ((performance.now() - t0) / n).toFixed(3), 'ms')
await app.close()
