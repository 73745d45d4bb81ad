import { describe, expect, it } from 'vitest'
import { defaultCampaignOptions } from '../../src/domain/campaign.ts'
import { FailureLimiter } from '../../src/domain/failure-limiter.ts'
import { ANSWER_LIMITS } from '../../src/domain/survey.ts'
import { createCampaign } from '../../src/services/campaigns.ts'
import { ensureDefaultSurvey } from '../../src/services/surveys.ts'
import { useTestApp, type TestApp } from '../helpers/build-app.ts'
import { addUser, cookieJar, csrfFrom, formToken, importText, login, PASSWORD } from '../helpers/factories.ts'
import { answer, customerWithLink } from '../helpers/survey.ts'

const count = (t: TestApp, sql: string, ...args: unknown[]) => (t.db.$client.prepare(sql).get(...args) as { n: number }).n
const formHeaders = (jar: { header: () => string }) => ({ cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' })

/** The default survey answered up to its free-text question "What could we have done better?". */
async function answerUpToImprove(t: TestApp, token: string) {
  await answer(t.app, token, 'reasons', { q: ['price'] })
  await answer(t.app, token, 'nps', { q: '3' })
  await answer(t.app, token, 'csat', { q: '2' })
  await answer(t.app, token, 'ces', { q: '2' })
}

describe('long answers', () => {
  const t = useTestApp()

  it('keeps a 1,500-character answer with markup whole, and shows it escaped to staff', async () => {
    const { token, customerId } = await customerWithLink(t.db, 'L1', { locale: 'en' })
    await answerUpToImprove(t, token)
    const hostile = '<script>alert(1)</script><img src=x onerror=alert(2)> "quoted" & more\r\nsecond line: '
    const long = (hostile + 'x'.repeat(1500)).slice(0, 1500)
    const res = await answer(t.app, token, 'improve', { q: long })
    expect(res.statusCode).toBe(303)
    const saved = JSON.parse((t.db.$client.prepare('SELECT answers FROM responses').get() as { answers: string }).answers) as Record<string, string>
    // Kept whole; only the browser's CRLF became one line break.
    expect(saved.improve).toBe(long.replace('\r\n', '\n'))

    await addUser(t.db, 'staff')
    const { jar } = await login(t.app, 'staff@example.com')
    const page = await t.app.inject({ url: `/admin/customers/${customerId}`, headers: { cookie: jar.header() } })
    expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;')
    expect(page.body).not.toContain('<script>alert(1)')
    expect(page.body).not.toContain('<img src=x')
  })

  it('counts a line break as one character, as the browser did, up to the limit', async () => {
    const { token } = await customerWithLink(t.db, 'L2', { locale: 'en' })
    await answerUpToImprove(t, token)
    // 2,000 characters in the textarea, 99 of them line breaks: 2,099 once posted as CRLF.
    const lines = Array.from({ length: 100 }, () => 'y'.repeat(19)).join('\r\n') + 'z'
    expect(lines.replaceAll('\r\n', '\n').length).toBe(ANSWER_LIMITS.text)
    expect((await answer(t.app, token, 'improve', { q: lines })).statusCode).toBe(303)
  })

  it('gives an over-long answer back with a message instead of losing it', async () => {
    const { token } = await customerWithLink(t.db, 'L3', { locale: 'en' })
    await answerUpToImprove(t, token)
    const tooLong = 'w'.repeat(ANSWER_LIMITS.text + 500)
    const res = await answer(t.app, token, 'improve', { q: tooLong })
    expect(res.statusCode).toBe(422)
    expect(res.body).toContain('The answer is too long: 2,500 characters, 2,000 at most.')
    expect(res.body).toContain(tooLong)
    expect(res.body).toContain(`maxlength="${ANSWER_LIMITS.text}"`)
    const other = await answer(t.app, token, 'improve', { q: 'short' })
    expect(other.statusCode).toBe(303)
    // In German the numbers are German.
    const { token: de } = await customerWithLink(t.db, 'L4', { locale: 'de' })
    const german = await answer(t.app, de, 'reasons', { q: ['other'], other: 'ü'.repeat(2001) })
    expect(german.body).toContain('2.001 Zeichen, höchstens 2.000')
  })

  it('refuses a form with more choices than a question can have, without an error page', async () => {
    const { token } = await customerWithLink(t.db, 'L5', { locale: 'en' })
    const res = await answer(t.app, token, 'reasons', { q: Array.from({ length: ANSWER_LIMITS.choices + 1 }, () => 'price') })
    expect(res.statusCode).toBe(400)
    expect(count(t, 'SELECT count(*) AS n FROM responses')).toBe(0)
  })
})

describe('inputs that got a 500 or unbounded work', () => {
  const t = useTestApp()

  it('refuses an editor "add" past the question limit at once and renders nothing big', async () => {
    await addUser(t.db, 'manager')
    const { jar } = await login(t.app, 'manager@example.com')
    const id = ensureDefaultSurvey(t.db)
    const token = await formToken(t.app, jar, `/admin/surveys/${id}`)
    const started = Date.now()
    const res = await t.app.inject({ method: 'POST', url: `/admin/surveys/${id}`, headers: formHeaders(jar), payload: new URLSearchParams({ action: 'add', count: '4000000', _csrf: token }).toString() })
    expect(Date.now() - started).toBeLessThan(2000)
    expect(res.statusCode).toBe(400)
    expect(res.body).toContain('A survey has at most 40 questions.')
    expect(res.body.length).toBeLessThan(200_000)
  })

  it('changes nothing, not even the name, when an editor save is refused', async () => {
    await addUser(t.db, 'manager')
    const { jar } = await login(t.app, 'manager@example.com')
    const id = ensureDefaultSurvey(t.db)
    const before = { versions: count(t, 'SELECT count(*) AS n FROM survey_versions'), audit: count(t, 'SELECT count(*) AS n FROM audit_log') }
    const token = await formToken(t.app, jar, `/admin/surveys/${id}`)
    const res = await t.app.inject({
      method: 'POST',
      url: `/admin/surveys/${id}`,
      headers: formHeaders(jar),
      payload: new URLSearchParams({ name: 'Renamed', title_de: '', title_en: 'x', intro_de: 'x', intro_en: 'x', count: '0', _csrf: token }).toString(),
    })
    expect(res.statusCode).toBe(400)
    expect(t.db.$client.prepare('SELECT name FROM surveys WHERE id = ?').get(id)).toEqual({ name: 'Default survey' })
    expect(count(t, 'SELECT count(*) AS n FROM survey_versions')).toBe(before.versions)
    expect(count(t, 'SELECT count(*) AS n FROM audit_log')).toBe(before.audit)
  })

  it('renames with the save, in one transaction, with an audit entry', async () => {
    await addUser(t.db, 'manager')
    const { jar } = await login(t.app, 'manager@example.com')
    const id = ensureDefaultSurvey(t.db)
    const page = await t.app.inject({ url: `/admin/surveys/${id}`, headers: { cookie: jar.header() } })
    jar.take(page)
    const fields = Object.fromEntries([...page.body.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!.replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#39;', "'")]))
    const textareas = Object.fromEntries([...page.body.matchAll(/<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)<\/textarea>/g)].map((m) => [m[1]!, m[2]!.replaceAll('&amp;', '&')]))
    const selects = Object.fromEntries([...page.body.matchAll(/<select[^>]*name="([^"]+)"[^>]*>[\s\S]*?<option value="([^"]*)" selected/g)].map((m) => [m[1]!, m[2]!]))
    const checked = Object.fromEntries([...page.body.matchAll(/<input type="checkbox" name="([^"]+)" checked/g)].map((m) => [m[1]!, 'on']))
    const res = await t.app.inject({ method: 'POST', url: `/admin/surveys/${id}`, headers: formHeaders(jar), payload: new URLSearchParams({ ...fields, ...textareas, ...selects, ...checked, name: 'Winter survey' }).toString() })
    expect(res.statusCode).toBe(303)
    expect(t.db.$client.prepare('SELECT name FROM surveys WHERE id = ?').get(id)).toEqual({ name: 'Winter survey' })
    expect(t.db.$client.prepare("SELECT detail FROM audit_log WHERE action = 'survey.rename'").get()).toEqual({ detail: JSON.stringify({ from: 'Default survey', to: 'Winter survey' }) })
  })

  it('answers a schedule date that is not a date with a 400 and leaves the campaign a draft', async () => {
    await addUser(t.db, 'manager')
    const { jar } = await login(t.app, 'manager@example.com')
    const campaign = createCampaign(t.db, { ...defaultCampaignOptions, name: 'Winter', surveyId: ensureDefaultSurvey(t.db), incentives: [{ kind: 'points', points: 100 }] }, 'test')
    for (const scheduled of ['not a date', '2026-02-30T10:00', '2026-13-01T10:00', '']) {
      const token = await formToken(t.app, jar, `/admin/campaigns/${campaign.id}`)
      const res = await t.app.inject({ method: 'POST', url: `/admin/campaigns/${campaign.id}/action`, headers: formHeaders(jar), payload: new URLSearchParams({ action: 'schedule', scheduled_at: scheduled, _csrf: token }).toString() })
      expect(res.statusCode, scheduled).toBe(400)
      expect(res.body).toContain('Give the date and time to start sending')
    }
    expect(t.db.$client.prepare('SELECT status, scheduled_at AS at FROM campaigns WHERE id = ?').get(campaign.id)).toEqual({ status: 'draft', at: null })
    // A wall-clock time is read in the campaign's time zone (Europe/Berlin: UTC+1 in December).
    const token = await formToken(t.app, jar, `/admin/campaigns/${campaign.id}`)
    const ok = await t.app.inject({ method: 'POST', url: `/admin/campaigns/${campaign.id}/action`, headers: formHeaders(jar), payload: new URLSearchParams({ action: 'schedule', scheduled_at: '2099-12-01T09:30', _csrf: token }).toString() })
    expect(ok.statusCode).toBe(303)
    expect(t.db.$client.prepare('SELECT status, scheduled_at AS at FROM campaigns WHERE id = ?').get(campaign.id)).toEqual({ status: 'scheduled', at: '2099-12-01T08:30:00.000Z' })
  })

  it('refuses a sign-in whose return address holds a line break, before a session exists', async () => {
    await addUser(t.db, 'admin')
    const { res } = await login(t.app, 'admin@example.com', PASSWORD, { fields: { next: '/admin\r\nSet-Cookie: x=1' } })
    expect(res.statusCode).toBe(400)
    expect(count(t, 'SELECT count(*) AS n FROM sessions')).toBe(0)
    // A return address outside the admin area is ignored, not followed.
    const away = await login(t.app, 'admin@example.com', PASSWORD, { fields: { next: '/admin/../\\evil.example' } })
    expect(away.res.headers.location).toBe('/admin')
  })
})

describe('limits behind a reverse proxy', () => {
  const t = useTestApp({ configEnv: { TRUST_PROXY: '127.0.0.1' } })
  const from = (ip: string) => ({ remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': ip } })

  it('blocks the prober, not everyone behind the proxy, and a valid link always opens', async () => {
    const { token } = await customerWithLink(t.db, 'P1')
    for (let i = 0; i < 25; i++) await t.app.inject({ url: `/s/${'B'.repeat(31)}${i % 10}`, ...from('203.0.113.9') })
    expect((await t.app.inject({ url: `/s/${'C'.repeat(32)}`, ...from('203.0.113.9') })).statusCode).toBe(429)
    // Another client behind the same proxy, and the prober itself with a real link.
    expect((await t.app.inject({ url: `/s/${'C'.repeat(32)}`, ...from('198.51.100.7') })).statusCode).toBe(404)
    expect((await t.app.inject({ url: `/s/${token}`, ...from('198.51.100.7') })).statusCode).toBe(200)
    expect((await t.app.inject({ url: `/s/${token}`, ...from('203.0.113.9') })).statusCode).toBe(200)
  })

  it('locks out the client that guessed passwords, not the rest of the staff', async () => {
    await addUser(t.db, 'admin')
    await addUser(t.db, 'staff')
    const attempt = async (ip: string, email: string, password: string) => (await login(t.app, email, password, from(ip))).res
    for (let i = 0; i < 10; i++) expect((await attempt('203.0.113.9', 'admin@example.com', `wrong-${i}`)).statusCode).toBe(401)
    const blocked = await attempt('203.0.113.9', 'admin@example.com', PASSWORD)
    expect(blocked.statusCode).toBe(429)
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0)
    expect((await attempt('198.51.100.7', 'staff@example.com', PASSWORD)).statusCode).toBe(303)
    // Successful sign-ins do not count: a busy office never locks itself out.
    for (let i = 0; i < 12; i++) expect((await attempt('198.51.100.8', 'staff@example.com', PASSWORD)).statusCode).toBe(303)
  })

  it('counts failures in a window that passes', () => {
    const limiter = new FailureLimiter(2, 1000)
    limiter.fail('a', 0)
    limiter.fail('a', 0)
    expect(limiter.blocked('a', 500)).toBe(true)
    expect(limiter.blocked('a', 1001)).toBe(false)
    expect(limiter.blocked('b', 500)).toBe(false)
  })
})

describe('forwarded headers ignored by default', () => {
  const t = useTestApp()
  it('counts a prober by its own address whatever X-Forwarded-For says', async () => {
    for (let i = 0; i < 20; i++) await t.app.inject({ url: `/s/${'B'.repeat(31)}${i % 10}`, remoteAddress: '203.0.113.9', headers: { 'x-forwarded-for': `10.0.0.${i}` } })
    expect((await t.app.inject({ url: `/s/${'C'.repeat(32)}`, remoteAddress: '203.0.113.9', headers: { 'x-forwarded-for': '10.9.9.9' } })).statusCode).toBe(429)
  })
})

describe('caching, CSRF and uploads', () => {
  const t = useTestApp({ configEnv: { UPLOAD_LIMIT_MB: '1' } })

  it('never lets a browser keep a staff page', async () => {
    await addUser(t.db, 'admin')
    const { jar } = await login(t.app, 'admin@example.com')
    const { customerId } = await customerWithLink(t.db, 'C1')
    for (const url of ['/admin/customers', `/admin/customers/${customerId}`, '/admin/outbox', '/admin/campaigns', '/admin/users', '/admin/settings', '/admin/imports', '/admin/potential', '/admin/analysis', '/admin/surveys']) {
      const res = await t.app.inject({ url, headers: { cookie: jar.header() } })
      expect(res.statusCode, url).toBe(200)
      expect(res.headers['cache-control'], url).toBe('no-store')
    }
  })

  it('takes the form token only from the body, and renews its secret at sign-in', async () => {
    await addUser(t.db, 'admin')
    const { jar, res: signedIn } = await login(t.app, 'admin@example.com')
    expect(signedIn.cookies.find((c) => c.name === 'cb_csrf')?.value).toBe('')
    const token = await formToken(t.app, jar, '/admin/users')
    const inQuery = await t.app.inject({ method: 'POST', url: `/admin/users?_csrf=${encodeURIComponent(token)}`, headers: formHeaders(jar), payload: new URLSearchParams({ email: 'q@example.com', role: 'staff' }).toString() })
    expect(inQuery.statusCode).toBe(403)
    const inHeader = await t.app.inject({ method: 'POST', url: '/admin/users', headers: { ...formHeaders(jar), 'x-csrf-token': token }, payload: new URLSearchParams({ email: 'h@example.com', role: 'staff' }).toString() })
    expect(inHeader.statusCode).toBe(403)
    expect(count(t, 'SELECT count(*) AS n FROM users')).toBe(1)
    // A token from before the sign-in does not work after it.
    const before = cookieJar()
    const loginPage = await t.app.inject('/login')
    before.take(loginPage)
    const oldToken = csrfFrom(loginPage.body)
    const res = await t.app.inject({ method: 'POST', url: '/login', headers: formHeaders(before), payload: new URLSearchParams({ email: 'admin@example.com', password: PASSWORD, _csrf: oldToken }).toString() })
    before.take(res)
    const stale = await t.app.inject({ method: 'POST', url: '/admin/users', headers: formHeaders(before), payload: new URLSearchParams({ email: 's@example.com', role: 'staff', _csrf: oldToken }).toString() })
    expect(stale.statusCode).toBe(403)
  })

  it('refuses an upload over the configured limit and keeps no file', async () => {
    await addUser(t.db, 'admin')
    const { jar } = await login(t.app, 'admin@example.com')
    const token = await formToken(t.app, jar, '/admin/imports')
    const boundary = '----limit'
    const big = 'customer_id\n' + 'K1234567\n'.repeat(150_000)
    const payload = `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${token}\r\n--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\ncustomers\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\nContent-Type: text/csv\r\n\r\n${big}\r\n--${boundary}--\r\n`
    const res = await t.app.inject({ method: 'POST', url: '/admin/imports', headers: { cookie: jar.header(), 'content-type': `multipart/form-data; boundary=${boundary}` }, payload })
    expect(res.statusCode).toBe(413)
    expect(res.body).toContain('upload limit of 1 MiB')
    expect(count(t, 'SELECT count(*) AS n FROM import_runs')).toBe(0)
  })

  it('refuses line breaks and control characters in names, with line and column', async () => {
    const report = await importText(t.db, 'customers', 'customer_id,first_name,last_name\nK1,"Anna\nEvil",Berg\nK2,Tom,"Ba\u0007d"\n')
    expect(report.imported).toBe(false)
    expect(report.problems).toEqual([
      expect.objectContaining({ line: 2, column: 'first_name', reason: expect.stringContaining('line break') }),
      expect.objectContaining({ line: 4, column: 'last_name', reason: expect.stringContaining('control character') }),
    ])
    expect(count(t, 'SELECT count(*) AS n FROM customers')).toBe(0)
  })
})

describe('response headers on every kind of page', () => {
  const t = useTestApp({ configEnv: { BASE_URL: 'https://shop.example.com' } })

  it('sends CSP without unsafe-inline, frame-ancestors, nosniff and a referrer policy everywhere; noindex and no-store on personal links; HSTS and Secure cookies behind HTTPS', async () => {
    await addUser(t.db, 'admin')
    const { token, customerId } = await customerWithLink(t.db, 'H1')
    const { jar, res: signedIn } = await login(t.app, 'admin@example.com')
    const session = signedIn.cookies.find((c) => c.name === 'cb_session')!
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax' })
    const loginPage = await t.app.inject('/login')
    expect(loginPage.cookies.find((c) => c.name === 'cb_csrf')).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict' })

    const pages = {
      login: loginPage,
      staff: await t.app.inject({ url: `/admin/customers/${customerId}`, headers: { cookie: jar.header() } }),
      survey: await t.app.inject(`/s/${token}`),
      unsubscribe: await t.app.inject(`/u/${token}`),
      badLink: await t.app.inject(`/s/${'Z'.repeat(32)}`),
      notFound: await t.app.inject('/nothing-here'),
      asset: await t.app.inject('/static/app.css'),
      health: await t.app.inject('/healthz'),
    }
    for (const [kind, res] of Object.entries(pages)) {
      const csp = String(res.headers['content-security-policy'])
      expect(csp, kind).toContain("script-src 'self'")
      expect(csp, kind).toContain("frame-ancestors 'none'")
      expect(csp, kind).not.toContain('unsafe-inline')
      expect(res.headers['x-content-type-options'], kind).toBe('nosniff')
      expect(res.headers['referrer-policy'], kind).toMatch(/^(same-origin|no-referrer)$/)
      expect(String(res.headers['strict-transport-security']), kind).toMatch(/max-age=\d+/)
    }
    for (const kind of ['survey', 'unsubscribe', 'badLink'] as const) {
      expect(pages[kind].headers['x-robots-tag'], kind).toContain('noindex')
      expect(pages[kind].headers['referrer-policy'], kind).toBe('no-referrer')
      expect(pages[kind].headers['cache-control'], kind).toBe('no-store')
    }
    expect(pages.staff.headers['cache-control']).toBe('no-store')
  })
})
