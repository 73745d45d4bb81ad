import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { useTestApp } from '../helpers/build-app.ts'
import { addUser, formToken, login } from '../helpers/factories.ts'

function multipart(fields: Record<string, string>, file: { name: string; content: string }) {
  const boundary = '----comeback' + Math.random().toString(16).slice(2)
  const parts = Object.entries(fields).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
  parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: text/csv\r\n\r\n${file.content}\r\n`)
  parts.push(`--${boundary}--\r\n`)
  return { payload: parts.join(''), contentType: `multipart/form-data; boundary=${boundary}` }
}

describe('import upload', () => {
  const t = useTestApp()

  async function upload(jar: Awaited<ReturnType<typeof login>>['jar'], fields: Record<string, string>, name: string, content: string) {
    const token = await formToken(t.app, jar, '/admin/imports')
    // The token is the form's first field, as the page sends it.
    const body = multipart({ _csrf: token, ...fields }, { name, content })
    return t.app.inject({
      method: 'POST',
      url: '/admin/imports',
      headers: { cookie: jar.header(), 'content-type': body.contentType },
      payload: body.payload,
    })
  }

  async function finishedRun(jar: Awaited<ReturnType<typeof login>>['jar'], location: string) {
    for (let i = 0; i < 100; i++) {
      const page = await t.app.inject({ url: location, headers: { cookie: jar.header() } })
      if (!page.body.includes('hx-trigger="every 1s"')) return page
      await sleep(50)
    }
    throw new Error('import did not finish')
  }

  it('uploads a file, shows the report, and the customers are in the list', async () => {
    await addUser(t.db, 'admin')
    const { jar } = await login(t.app, 'admin@example.com')
    const res = await upload(jar, { kind: 'customers' }, 'kunden.csv', 'customer_id;email;first_name;last_name\nK1;jana@example.com;Jana;Nowak\nK2;tom@example.com;Tom;Berg\n')
    expect(res.statusCode).toBe(303)
    const report = await finishedRun(jar, res.headers.location as string)
    expect(report.body).toContain('Imported.')
    expect(report.body).toMatch(/<dt>New<\/dt><dd>2<\/dd>/)
    const list = await t.app.inject({ url: '/admin/customers?q=Nowak', headers: { cookie: jar.header() } })
    expect(list.body).toContain('Jana Nowak')
    const history = await t.app.inject({ url: '/admin/imports', headers: { cookie: jar.header() } })
    expect(history.body).toContain('kunden.csv')
    expect(t.db.$client.prepare("SELECT actor, action, subject FROM audit_log WHERE action = 'import.customers'").get()).toEqual({
      actor: 'admin@example.com',
      action: 'import.customers',
      subject: 'kunden.csv',
    })
  })

  it('analyses the customers again after an import, in the background', async () => {
    await addUser(t.db, 'admin')
    const { jar } = await login(t.app, 'admin@example.com')
    await finishedRun(jar, (await upload(jar, { kind: 'customers' }, 'c.csv', 'customer_id\nK1\nK2\n')).headers.location as string)
    const res = await upload(jar, { kind: 'orders' }, 'o.csv', 'order_id,customer_id,ordered_at,total\nA1,K1,2024-01-01,10\nA2,K1,2024-02-01,12\nA3,K2,2024-03-01,30\n')
    await finishedRun(jar, res.headers.location as string)
    const analysed = () => (t.db.$client.prepare('SELECT count(*) AS n FROM customer_analysis').get() as { n: number }).n
    for (let i = 0; i < 200 && analysed() < 2; i++) await sleep(50)
    expect(analysed()).toBe(2)
    expect(t.db.$client.prepare('SELECT trigger FROM analysis_runs ORDER BY id DESC LIMIT 1').get()).toEqual({ trigger: 'import' })
  })

  it('reports invalid rows with line, column and reason and imports nothing', async () => {
    await addUser(t.db, 'admin')
    const { jar } = await login(t.app, 'admin@example.com')
    const res = await upload(jar, { kind: 'customers' }, 'bad.csv', 'customer_id,email\nK1,jana@example.com\nK2,not-an-email\n')
    const report = await finishedRun(jar, res.headers.location as string)
    expect(report.body).toContain('Nothing was imported')
    expect(report.body).toMatch(/<td class="num">3<\/td><td>email<\/td><td>&quot;not-an-email&quot; is not a valid email address<\/td>/)
    expect(t.db.$client.prepare('SELECT count(*) AS n FROM customers').get()).toEqual({ n: 0 })
  })

  it('refuses an upload without its CSRF token', async () => {
    await addUser(t.db, 'admin')
    const { jar } = await login(t.app, 'admin@example.com')
    const body = multipart({ kind: 'customers' }, { name: 'x.csv', content: 'customer_id\nK1\n' })
    const res = await t.app.inject({ method: 'POST', url: '/admin/imports', headers: { cookie: jar.header(), 'content-type': body.contentType }, payload: body.payload })
    expect(res.statusCode).toBe(403)
    expect(t.db.$client.prepare('SELECT count(*) AS n FROM import_runs').get()).toEqual({ n: 0 })
  })

  it('asks what the file holds', async () => {
    await addUser(t.db, 'admin')
    const { jar } = await login(t.app, 'admin@example.com')
    const res = await upload(jar, {}, 'x.csv', 'customer_id\nK1\n')
    expect(res.statusCode).toBe(400)
    expect(res.body).toContain('Choose whether the file holds customers or orders.')
  })
})
