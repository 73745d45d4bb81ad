import { createHmac } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { changeConsent } from '../../src/services/consent.ts'
import { addWebhook, verifySignature } from '../../src/services/webhooks.ts'
import { testConfig, useTestApp } from '../helpers/build-app.ts'
import { answerAll, customerWithLink } from '../helpers/survey.ts'

/** A real receiver on 127.0.0.1: answers 500 while `failing` > 0, then 200; keeps what it got. */
function receiver() {
  const got: { headers: IncomingMessage['headers']; body: string }[] = []
  const state = { failing: 0 }
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString('utf8')))
    req.on('end', () => {
      if (state.failing > 0) {
        state.failing--
        res.writeHead(500).end('down')
        return
      }
      got.push({ headers: req.headers, body })
      res.writeHead(204).end()
    })
  })
  return { got, state, server, url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` }
}

describe('webhooks', () => {
  const t = useTestApp()
  const r = receiver()
  beforeAll(() => new Promise<void>((resolve) => r.server.listen(0, '127.0.0.1', resolve)))
  afterAll(() => new Promise<void>((resolve) => r.server.close(() => resolve())))
  const count = (sql: string) => (t.db.$client.prepare(sql).get() as { n: number }).n

  it('signs each event, retries a receiver that is down, and gives its log to admins', async () => {
    r.got.length = 0
    const hook = addWebhook(t.db, { url: r.url(), events: ['response.completed', 'reward.granted', 'customer.unsubscribed'] }, 'test')
    const { token, customerId } = await customerWithLink(t.db, 'W1')
    await answerAll(t.app, token, 'email')
    changeConsent(t.db, { customerId, channel: 'email', status: 'objected', source: 'unsubscribe', actor: 'customer' })
    expect(count("SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'queued'")).toBe(3)

    r.state.failing = 1
    const t0 = Date.now()
    expect(await t.app.webhookSender.runOnce(() => new Date(t0))).toBe(2)
    // The first was refused: tried again after a minute, not before.
    expect(await t.app.webhookSender.runOnce(() => new Date(t0 + 30_000))).toBe(0)
    expect(await t.app.webhookSender.runOnce(() => new Date(t0 + 61_000))).toBe(1)
    expect(r.got.map((g) => g.headers['comeback-event']).sort()).toEqual(['customer.unsubscribed', 'response.completed', 'reward.granted'])
    for (const g of r.got) {
      expect(verifySignature(hook.secret, g.body, String(g.headers['comeback-signature']), Math.floor(t0 / 1000) + 61)).toBe(true)
      // A body changed on the way, or another secret, does not verify.
      expect(verifySignature(hook.secret, g.body + ' ', String(g.headers['comeback-signature']), Math.floor(t0 / 1000) + 61)).toBe(false)
      expect(verifySignature('whsec_other', g.body, String(g.headers['comeback-signature']), Math.floor(t0 / 1000) + 61)).toBe(false)
    }
    // The format a receiver checks by hand: t=<seconds>,v1=hex(HMAC-SHA256(secret, "<t>.<body>")).
    const { body, headers } = r.got[0]!
    const [, ts, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(headers['comeback-signature']))!
    expect(v1).toBe(createHmac('sha256', hook.secret).update(`${ts}.${body}`).digest('hex'))
    const completed = JSON.parse(r.got.find((g) => g.headers['comeback-event'] === 'response.completed')!.body)
    expect(completed).toMatchObject({ event: 'response.completed', data: { customer_id: 'W1', main_reason: 'delivery', nps: 6 } })
    expect(count("SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'delivered' AND attempts = 2")).toBe(1)
  })

  it('gives up after the last retry, and delivers what was pending after a restart', async () => {
    r.got.length = 0
    addWebhook(t.db, { url: r.url(), events: ['customer.unsubscribed'] }, 'test')
    const { customerId } = await customerWithLink(t.db, 'W2')
    changeConsent(t.db, { customerId, channel: 'email', status: 'objected', source: 'unsubscribe', actor: 'customer' })
    r.state.failing = 100
    let at = Date.now()
    for (let i = 0; i < 6; i++) {
      await t.app.webhookSender.runOnce(() => new Date(at))
      at += 13 * 3600_000
    }
    expect(t.db.$client.prepare('SELECT status, attempts FROM webhook_deliveries').get()).toEqual({ status: 'failed', attempts: 6 })

    // Another event, queued, then the server stops before sending it; a new one on the same file sends it.
    r.state.failing = 0
    const { customerId: other } = await customerWithLink(t.db, 'W3')
    changeConsent(t.db, { customerId: other, channel: 'email', status: 'objected', source: 'unsubscribe', actor: 'customer' })
    await t.app.close()
    const again = await buildApp({ config: testConfig(t.file), db: t.db })
    try {
      expect(await again.webhookSender.runOnce()).toBe(1)
      expect(JSON.parse(r.got[0]!.body).data.customer_id).toBe('W3')
    } finally {
      await again.close()
      t.app = await buildApp({ config: testConfig(t.file), db: t.db })
    }
  })
})
