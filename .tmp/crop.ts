import { chromium } from 'playwright-core'
const [file, y, h, out] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4]), process.argv[5]!]
const b = await chromium.launch({ executablePath: '/usr/bin/chromium' })
const p = await b.newPage({ viewport: { width: 780, height: h } })
await p.setContent(`<body style="margin:0"><img src="data:image/png;base64,${(await import('node:fs')).readFileSync(file).toString('base64')}" style="display:block;margin-top:-${y}px"></body>`)
await p.screenshot({ path: out })
await b.close()
