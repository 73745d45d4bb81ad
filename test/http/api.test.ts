import { Validator } from '@seriousme/openapi-schema-validator'
import { describe, expect, it } from 'vitest'
import { operations } from '../../src/routes/api/operations.ts'
import { createApiKey, revokeApiKey } from '../../src/services/api-keys.ts'
import { saveSegment } from '../../src/services/segments.ts'
import { useTestApp } from '../helpers/build-app.ts'
import { addUser, formToken, login } from '../helpers/factories.ts'

const form = (values: Record<string, string>) => new URLSearchParams(values).toString()

/** The JSON API (SPEC §12): keys with a scope, a rate limit per key, batches all or nothing, problem details. */
describe('JSON API', () => {
  const t = useTestApp()
  const call = (key: string | null, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    t.app.inject({ method, url, headers: { ...(key && { authorization: `Bearer ${key}` }), ...(payload !== undefined && { 'content-type': 'application/json' }) }, payload: payload === undefined ? undefined : JSON.stringify(payload) })
  const count = (sql: string) => (t.db.$client.prepare(sql).get() as { n: number }).n

  it('upserts customers and orders in batches, idempotently, and reads a customer back', async () => {
    const { key } = createApiKey(t.db, { name: 'shop', scope: 'write' }, 'test')
    const customers = [
      { customer_id: 'S1', email: 's1@example.com', first_name: 'Sara', email_consent: 'granted', locale: 'de' },
      { customer_id: 2, email: 's2@example.com' },
    ]
    const first = await call(key, 'POST', '/api/v1/customers', customers)
    expect(first.statusCode).toBe(200)
    expect(first.json()).toEqual({ inserted: 2, updated: 0, unchanged: 0 })
    expect((await call(key, 'POST', '/api/v1/customers', customers)).json()).toEqual({ inserted: 0, updated: 0, unchanged: 2 })
    const orders = await call(key, 'POST', '/api/v1/orders', [{ order_id: 'A-1', customer_id: 'S1', ordered_at: '2026-05-01T10:00:00Z', total: '12,50' }, { order_id: 'A-2', customer_id: '2', ordered_at: '2026-05-02', total: 30 }])
    expect(orders.json()).toMatchObject({ inserted: 2 })
    expect(count("SELECT total_cents AS n FROM orders WHERE external_id = 'A-1'")).toBe(1250)
    const events = await call(key, 'POST', '/api/v1/events', [{ customer_id: 'S1', occurred_at: '2026-05-03', kind: 'complaint', note: 'kalt' }])
    expect(events.json()).toEqual({ inserted: 1, updated: 0, unchanged: 0 })
    const sara = await call(key, 'GET', '/api/v1/customers/S1')
    expect(sara.statusCode).toBe(200)
    expect(sara.json()).toMatchObject({ customer_id: 'S1', email: 's1@example.com', email_consent: 'granted', points: 0, answers: [], coupons: [] })
    expect(sara.json().consent_history[0]).toMatchObject({ channel: 'email', status: 'granted', source: 'import' })
    const missing = await call(key, 'GET', '/api/v1/customers/NOPE')
    expect(missing.statusCode).toBe(404)
    expect(missing.headers['content-type']).toContain('application/problem+json')
    expect((await call(key, 'GET', '/api/v1/segments')).json()).toContainEqual({ id: 'won-back', name: 'Won back', built_in: true })
  })

  it('makes and redeems coupons, reads points, takes suppressions, makes exit-survey links and streams a segment', async () => {
    const { key } = createApiKey(t.db, { name: 'shop', scope: 'write' }, 'test')
    await call(key, 'POST', '/api/v1/customers', [
      { customer_id: 'S1', email: 'Sara@Example.com', email_consent: 'granted', first_name: 'Sara' },
      { customer_id: 'S2', email: 's2@example.com', email_consent: 'granted' },
      { customer_id: 'S3', email: 's3@example.com', email_consent: 'granted' },
    ])
    const coupon = await call(key, 'POST', '/api/v1/coupons', { customer_id: 'S1', percent: 15, min_order_cents: 2000, valid_days: 10, prefix: 'VIP' })
    expect(coupon.statusCode).toBe(200)
    const code = coupon.json().code as string
    expect(code).toMatch(/^VIP-/)
    expect((await call(key, 'POST', '/api/v1/coupons', { percent: 10, amount_cents: 500 })).statusCode).toBe(400)
    const below = await call(key, 'POST', `/api/v1/coupons/${code}/redeem`, { order_id: 'W-1', total_cents: 1500 })
    expect(below.statusCode).toBe(409)
    expect(below.headers['content-type']).toContain('application/problem+json')
    const redeemed = await call(key, 'POST', `/api/v1/coupons/${code}/redeem`, { order_id: 'W-2', total_cents: 2500 })
    expect(redeemed.json()).toMatchObject({ code, redeemed_order: 'W-2' })
    expect((await call(key, 'POST', `/api/v1/coupons/${code}/redeem`, { order_id: 'W-3', total_cents: 2500 })).statusCode).toBe(409)
    expect((await call(key, 'POST', '/api/v1/coupons/NOPE-1234/redeem', {})).statusCode).toBe(404)
    expect((await call(key, 'GET', '/api/v1/customers/S1/points')).json()).toMatchObject({ balance: 0, tier: 'Bronze', ledger: [] })

    // Suppressions: a bad address refuses the whole batch; then a complaint objects, a bounce only suppresses.
    const bad = await call(key, 'POST', '/api/v1/suppressions', [{ email: 'sara@example.com', reason: 'complained' }, { email: 'not an address', reason: 'bounced' }])
    expect(bad.statusCode).toBe(422)
    expect(bad.json().errors).toEqual([{ record: 1, field: 'email', reason: expect.any(String) }])
    expect(count('SELECT count(*) AS n FROM suppressions')).toBe(0)
    const reported = await call(key, 'POST', '/api/v1/suppressions', [{ email: 'sara@example.com', reason: 'complained' }, { email: 's2@example.com', reason: 'bounced' }])
    expect(reported.json()).toEqual({ suppressed: 2, customersObjected: 1 })
    expect(t.db.$client.prepare("SELECT external_id AS id, email_consent AS c FROM customers ORDER BY external_id").all()).toEqual([{ id: 'S1', c: 'objected' }, { id: 'S2', c: 'granted' }, { id: 'S3', c: 'granted' }])
    expect(count("SELECT count(*) AS n FROM suppressions WHERE email = 's2@example.com' AND reason = 'bounced'")).toBe(1)

    const link = await call(key, 'POST', '/api/v1/links', { customer_id: 'S3' })
    expect(link.statusCode).toBe(200)
    const survey = await t.app.inject({ url: new URL(link.json().url).pathname })
    expect(survey.statusCode).toBe(200)
    expect(survey.body).toMatch(/Warum kündigen Sie\?|Why are you cancelling\?/)
    expect(t.db.$client.prepare("SELECT kind FROM campaigns WHERE id = (SELECT campaign_id FROM campaign_members WHERE customer_id = (SELECT id FROM customers WHERE external_id = 'S3'))").get()).toEqual({ kind: 'exit' })

    const nd = await call(key, 'GET', '/api/v1/segments/reason-price/export')
    expect(nd.headers['content-type']).toContain('application/x-ndjson')
    expect(nd.body).toBe('')
    saveSegment(t.db, { name: 'Everyone', rules: { version: 1, root: { match: 'all', rules: [] } } }, 'test')
    const everyone = (await call(key, 'GET', '/api/v1/segments')).json().find((x: { name: string }) => x.name === 'Everyone').id
    const lines = (await call(key, 'GET', `/api/v1/segments/${everyone}/export`)).body.trim().split('\n').map((l) => JSON.parse(l))
    expect(lines.map((l) => l.customer_id).sort()).toEqual(['S1', 'S2', 'S3'])
    const contact = (await call(key, 'GET', `/api/v1/segments/${everyone}/export?format=csv&purpose=contact-email`)).body
    // Sara objected and S2's address bounced: only S3 may be mailed.
    expect(contact.trim().split('\n')).toHaveLength(2)
    expect(contact).toContain('S3')
    expect((await call(key, 'GET', '/api/v1/segments/nope/export')).statusCode).toBe(404)
    expect(count("SELECT count(*) AS n FROM audit_log WHERE action = 'export.segment'")).toBe(3)
  })

  it('writes nothing from a batch with one bad record, and names the record and field', async () => {
    const { key } = createApiKey(t.db, { name: 'shop', scope: 'write' }, 'test')
    await call(key, 'POST', '/api/v1/customers', [{ customer_id: 'S1' }])
    const bad = await call(key, 'POST', '/api/v1/orders', [
      { order_id: 'B-1', customer_id: 'S1', ordered_at: '2026-05-01', total: 10 },
      { order_id: 'B-2', customer_id: 'S1', ordered_at: '2026-05-01', total: '-3' },
      { order_id: 'B-3', customer_id: 'GHOST', ordered_at: '2026-05-01', total: 3 },
    ])
    expect(bad.statusCode).toBe(422)
    expect(bad.headers['content-type']).toContain('application/problem+json')
    expect(bad.json()).toMatchObject({ status: 422, title: 'Invalid records', errors: [{ record: 1, field: 'total' }, { record: 2, field: 'customer_id', reason: expect.stringContaining('GHOST') }] })
    expect(count('SELECT count(*) AS n FROM orders')).toBe(0)
    // A shape the API does not document: 400, with the record and field.
    const shape = await call(key, 'POST', '/api/v1/orders', [{ order_id: 'C-1', customer_id: 'S1', ordered_at: '2026-05-01', total: 3, colour: 'red' }])
    expect(shape.statusCode).toBe(400)
    expect(shape.json().errors[0]).toMatchObject({ record: 0 })
    expect((await call(key, 'POST', '/api/v1/orders', [])).statusCode).toBe(400)
    const tooMany = Array.from({ length: 10_001 }, (_, i) => ({ customer_id: `X${i}` }))
    expect((await call(key, 'POST', '/api/v1/customers', tooMany)).statusCode).toBe(400)
    expect(count("SELECT count(*) AS n FROM customers WHERE external_id LIKE 'X%'")).toBe(0)
  })

  it('publishes an OpenAPI 3.1 document that validates and lists every route, and a page that shows it', async () => {
    const doc = (await t.app.inject({ url: '/api/openapi.json' })).json()
    const result = await new Validator().validate(doc)
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    expect(doc.openapi).toBe('3.1.0')
    for (const op of operations) expect(doc.paths[`/api/v1${op.url.replace(/:(\w+)/g, '{$1}')}`][op.method.toLowerCase()].operationId).toBe(op.id)
    const routes = t.app.printRoutes({ commonPrefix: false })
    expect(routes).toContain('customers')
    const page = await t.app.inject({ url: '/api/docs' })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('POST /api/v1/orders')
    expect(page.body).not.toMatch(/<script[^>]+src="https?:/)
  })

  it('lets admins make a key (shown once) and revoke it in the UI; others may not', async () => {
    await addUser(t.db, 'admin')
    const { jar } = await login(t.app, 'admin@example.com')
    const token = await formToken(t.app, jar, '/admin/api-keys')
    const made = await t.app.inject({ method: 'POST', url: '/admin/api-keys', headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: token, name: 'Shopware', scope: 'write' }) })
    expect(made.statusCode).toBe(200)
    const key = /<code class="secret">(cb_[\w-]{32})<\/code>/.exec(made.body)![1]!
    expect((await call(key, 'GET', '/api/v1/segments')).statusCode).toBe(200)
    expect((await t.app.inject({ url: '/admin/api-keys', headers: { cookie: jar.header() } })).body).not.toContain(key)
    const again = await t.app.inject({ method: 'POST', url: '/admin/api-keys', headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: token, name: 'Shopware', scope: 'read' }) })
    expect(again.statusCode).toBe(409)
    const revoke = await t.app.inject({ method: 'POST', url: '/admin/api-keys/revoke', headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: token, name: 'Shopware' }) })
    expect(revoke.statusCode).toBe(303)
    expect((await call(key, 'GET', '/api/v1/segments')).statusCode).toBe(401)
    await addUser(t.db, 'manager')
    const manager = (await login(t.app, 'manager@example.com')).jar
    expect((await t.app.inject({ url: '/admin/api-keys', headers: { cookie: manager.header() } })).statusCode).toBe(403)
  })
})

describe('JSON API keys', () => {
  const t = useTestApp({ apiRateLimit: 5 })
  const call = (key: string | null, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    t.app.inject({ method, url, headers: { ...(key && { authorization: `Bearer ${key}` }), ...(payload !== undefined && { 'content-type': 'application/json' }) }, payload: payload === undefined ? undefined : JSON.stringify(payload) })
  const count = (sql: string) => (t.db.$client.prepare(sql).get() as { n: number }).n

  it('keeps to scopes, revocation and the rate limit per key', async () => {
    const reader = createApiKey(t.db, { name: 'reader', scope: 'read' }, 'test').key
    const writer = createApiKey(t.db, { name: 'writer', scope: 'write' }, 'test').key
    const noKey = await call(null, 'GET', '/api/v1/segments')
    expect(noKey.statusCode).toBe(401)
    expect(noKey.headers['www-authenticate']).toBe('Bearer')
    expect((await call('cb_' + 'x'.repeat(32), 'GET', '/api/v1/segments')).statusCode).toBe(401)
    const forbidden = await call(reader, 'POST', '/api/v1/customers', [{ customer_id: 'R1' }])
    expect(forbidden.statusCode).toBe(403)
    expect(count('SELECT count(*) AS n FROM customers')).toBe(0)
    // The reader has used 1 of its 5 requests; 4 more pass, the sixth waits. The writer has its own count.
    for (let i = 0; i < 4; i++) expect((await call(reader, 'GET', '/api/v1/segments')).statusCode).toBe(200)
    const limited = await call(reader, 'GET', '/api/v1/segments')
    expect(limited.statusCode).toBe(429)
    expect(limited.headers['retry-after']).toBeDefined()
    expect(limited.json()).toMatchObject({ status: 429 })
    expect((await call(writer, 'GET', '/api/v1/segments')).statusCode).toBe(200)
    revokeApiKey(t.db, 'writer', 'test')
    expect((await call(writer, 'GET', '/api/v1/segments')).statusCode).toBe(401)
    expect(t.db.$client.prepare("SELECT action FROM audit_log WHERE action LIKE 'apikey.%' ORDER BY id").all()).toEqual([{ action: 'apikey.create' }, { action: 'apikey.create' }, { action: 'apikey.revoke' }])
  })

})
