// One segment export in a process of its own, so that its time and peak memory are its own.
import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { openDatabase } from '../../src/db/client.ts'
import { translator } from '../../src/locales/index.ts'
import { exportSegment } from '../../src/services/export.ts'
import { findSegment } from '../../src/services/segments.ts'

const [file, segment, out] = process.argv.slice(2) as [string, string, string]
const db = openDatabase(file)
const t0 = performance.now()
const stream = createWriteStream(out)
const written = once(stream, 'finish')
const rows = await exportSegment(db, findSegment(db, segment), { purpose: 'analysis', format: 'csv', delimiter: ';', actor: 'bench', t: translator('de') }, stream)
await written
const seconds = (performance.now() - t0) / 1000
db.$client.close()
console.log(JSON.stringify({ seconds, rows, maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) }))
