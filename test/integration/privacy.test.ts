import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MailSender } from '../../src/jobs/sender.ts'
import { createMailTransport, outboxFolder } from '../../src/mail/transport.ts'
import { createApiKey } from '../../src/services/api-keys.ts'
import { changeCampaignState, previewCampaignTarget } from '../../src/services/campaigns.ts'
import { useTestApp } from '../helpers/build-app.ts'
import { segmentSize } from '../../src/services/segments.ts'
import { listCustomers } from '../../src/repos/customers.ts'
import { testCampaign } from '../helpers/campaigns.ts'
import { addUser, formToken, importText, login } from '../helpers/factories.ts'
import { quietLogger } from '../helpers/logger.ts'
import { answer } from '../helpers/survey.ts'

const EMAIL = 'zacharias.quellenbrunn@example.com'
const NAME = 'Quellenbrunn'

/** Privacy requests (SPEC §11): a complete export, and an erasure that leaves nothing personal behind. */
describe('privacy requests', () => {
  const t = useTestApp()
  const count = (sql: string) => (t.db.$client.prepare(sql).get() as { n: number }).n
  const api = (key: string, method: 'GET' | 'DELETE', url: string) => t.app.inject({ method, url, headers: { authorization: `Bearer ${key}` } })

  async function zacharias() {
    await importText(t.db, 'customers', `customer_id,email,first_name,last_name,email_consent,phone,phone_consent\nZ1,${EMAIL},Zacharias,${NAME},granted,+49 170 1234567,granted\nK2,k2@example.com,Karla,Other,granted,,\n`)
    await importText(t.db, 'orders', 'order_id,customer_id,ordered_at,total,items\nZO-1,Z1,2026-01-10,45.00,Espresso\nZO-2,Z1,2026-03-02,30.00,Tassen\n')
    await importText(t.db, 'events', `customer_id,occurred_at,kind,note\nZ1,2026-03-05,complaint,Herr ${NAME} rief zweimal an\n`)
    // A campaign mails him through the outbox folder; he answers with a free text naming himself.
    const campaign = testCampaign(t.db, { name: 'Privacy', reminders: 0 })
    changeCampaignState(t.db, campaign.id, 'start', 'test')
    const sender = new MailSender(t.db, t.app.config, createMailTransport(t.app.config), quietLogger)
    await sender.runOnce()
    await sender.stop()
    const outbox = outboxFolder(t.app.config)
    const mail = readdirSync(outbox).map((f) => readFileSync(join(outbox, f), 'utf8')).find((m) => m.includes(EMAIL))!
    const token = /\/s\/([A-Za-z0-9_-]{32})/.exec(mail.replace(/=\r?\n/g, ''))![1]!
    await answer(t.app, token, 'reasons', { q: ['price'] })
    await answer(t.app, token, 'nps', { q: '3' })
    await answer(t.app, token, 'csat', { q: '2' })
    await answer(t.app, token, 'ces', { q: '3' })
    await answer(t.app, token, 'improve', { q: `Ich bin ${NAME}, ruft mich an` })
    await answer(t.app, token, 'contact', { q: 'email' })
    return { outbox, id: count("SELECT id AS n FROM customers WHERE external_id = 'Z1'") }
  }

  it('exports everything, then erases it everywhere: the database file and the outbox hold nothing of the person', async () => {
    const { outbox } = await zacharias()
    const { key } = createApiKey(t.db, { name: 'dpo', scope: 'write' }, 'test')
    const exported = await api(key, 'GET', '/api/v1/customers/Z1/export')
    expect(exported.statusCode).toBe(200)
    const data = exported.json()
    expect(data.customer.email).toBe(EMAIL)
    expect(data.orders).toHaveLength(2)
    expect(data.events[0].note).toContain(NAME)
    expect(data.mails.length).toBeGreaterThan(0)
    expect(data.responses[0].answers.improve).toContain(NAME)
    expect(data.consentEvents.length).toBeGreaterThan(0)
    expect(data.optInRequests).toHaveLength(1)
    const responses = count('SELECT count(*) AS n FROM responses')

    const erased = await api(key, 'DELETE', '/api/v1/customers/Z1')
    expect(erased.json()).toEqual({ erased: true })
    expect((await api(key, 'GET', '/api/v1/customers/Z1')).statusCode).toBe(404)
    expect((await api(key, 'DELETE', '/api/v1/customers/Z1')).statusCode).toBe(404)
    t.db.$client.pragma('wal_checkpoint(TRUNCATE)')
    const files = [t.file, `${t.file}-wal`].filter(existsSync).map((f) => readFileSync(f))
    for (const f of [...files, ...readdirSync(outbox).map((f) => readFileSync(join(outbox, f)))]) {
      expect(f.includes(EMAIL)).toBe(false)
      expect(f.includes(NAME)).toBe(false)
      expect(f.includes('1234567')).toBe(false)
    }
    // The answer stays, without the person and without free text; the other customer is untouched.
    expect(count('SELECT count(*) AS n FROM responses')).toBe(responses)
    expect(t.db.$client.prepare('SELECT customer_id AS c, answers FROM responses').get()).toEqual({ c: null, answers: JSON.stringify({ reasons: { values: ['price'] }, nps: 3, csat: 2, ces: 3, contact: 'email' }) })
    expect(count("SELECT count(*) AS n FROM customers WHERE external_id = 'K2' AND email = 'k2@example.com'")).toBe(1)
    expect(t.db.$client.prepare("SELECT action FROM audit_log WHERE action LIKE 'privacy.%' ORDER BY id").all()).toEqual([{ action: 'privacy.export' }, { action: 'privacy.erase' }])
    // The placeholder is in no list and no segment.
    expect(count("SELECT count(*) AS n FROM customers WHERE external_id LIKE 'erased:%'")).toBe(1)
    expect(segmentSize(t.db, { version: 1, root: { match: 'all', rules: [] } }).customers).toBe(1)
    expect(listCustomers(t.db, { sort: 'name', dir: 'asc', limit: 10, offset: 0 }).total).toBe(1)

    // The same address comes back in a later import: objected, and so never mailed.
    await importText(t.db, 'customers', `customer_id,email,first_name,email_consent\nZ9,${EMAIL.toUpperCase()},Zach,granted\n`)
    expect(t.db.$client.prepare("SELECT email_consent AS c FROM customers WHERE external_id = 'Z9'").get()).toEqual({ c: 'objected' })
    const preview = previewCampaignTarget(t.db, { target: {}, quietDays: 0, holdoutPercent: 0 })
    expect(preview.excluded.objected).toBeGreaterThanOrEqual(1)
    expect(preview.eligible).toBe(1)
  })

  it('lets admins export and erase from the customer page, with the customer id typed to confirm', async () => {
    const { id } = await zacharias()
    await addUser(t.db, 'admin')
    const { jar } = await login(t.app, 'admin@example.com')
    const page = await t.app.inject({ url: `/admin/customers/${id}`, headers: { cookie: jar.header() } })
    expect(page.body).toContain(`/admin/customers/${id}/export`)
    const file = await t.app.inject({ url: `/admin/customers/${id}/export`, headers: { cookie: jar.header() } })
    expect(file.headers['content-disposition']).toContain('attachment')
    expect(file.json().customer.email).toBe(EMAIL)
    const token = await formToken(t.app, jar, `/admin/customers/${id}`)
    const post = (confirm: string) => t.app.inject({ method: 'POST', url: `/admin/customers/${id}/erase`, headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ _csrf: token, confirm }).toString() })
    expect((await post('Z2')).statusCode).toBe(400)
    expect(count(`SELECT count(*) AS n FROM customers WHERE email = '${EMAIL}'`)).toBe(1)
    const done = await post('Z1')
    expect(done.statusCode).toBe(303)
    expect(count(`SELECT count(*) AS n FROM customers WHERE email = '${EMAIL}'`)).toBe(0)
    await addUser(t.db, 'manager')
    const manager = (await login(t.app, 'manager@example.com')).jar
    expect((await t.app.inject({ url: `/admin/customers/${count("SELECT id AS n FROM customers WHERE external_id = 'K2'")}/export`, headers: { cookie: manager.header() } })).statusCode).toBe(403)
  })
})
