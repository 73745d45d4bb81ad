import { describe, expect, it } from 'vitest'
import { FailureLimiter } from '../../src/domain/failure-limiter.ts'
import { addUser, formToken, login, PASSWORD } from '../helpers/factories.ts'
import { useTestApp } from '../helpers/build-app.ts'

const form = (data: Record<string, string>) => new URLSearchParams(data).toString()
const formHeaders = (cookie: string) => ({ cookie, 'content-type': 'application/x-www-form-urlencoded' })

describe('health', () => {
  const t = useTestApp()
  it('/healthz and /readyz answer', async () => {
    expect((await t.app.inject('/healthz')).json()).toEqual({ status: 'ok' })
    expect((await t.app.inject('/readyz')).json()).toEqual({ status: 'ready' })
  })
})

describe('login', () => {
  const t = useTestApp()

  it('signs in with the right password into a secure, HttpOnly, SameSite session cookie', async () => {
    await addUser(t.db, 'admin')
    const { res, jar } = await login(t.app, 'ADMIN@example.com ')
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/admin')
    const setCookie = String(res.headers['set-cookie'])
    expect(setCookie).toMatch(/cb_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax/)
    const page = await t.app.inject({ url: '/admin/customers', headers: { cookie: jar.header() } })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('admin@example.com')
  })

  it('gives the same answer for an unknown user and a wrong password', async () => {
    await addUser(t.db, 'admin')
    const wrong = await login(t.app, 'admin@example.com', 'wrong password!!')
    const unknown = await login(t.app, 'nobody@example.com', PASSWORD)
    expect(wrong.res.statusCode).toBe(401)
    expect(unknown.res.statusCode).toBe(401)
    const message = (body: string) => /role="alert">([^<]*)</.exec(body)?.[1]
    // Before sign-in the page follows Accept-Language; without one, DEFAULT_LOCALE (de).
    expect(message(wrong.res.body)).toBe('E-Mail oder Passwort ist falsch.')
    expect(message(unknown.res.body)).toBe(message(wrong.res.body))
    expect(String(wrong.res.headers['set-cookie'])).not.toContain('cb_session')
    // Both failures are in the audit log, with the address tried.
    expect(t.db.$client.prepare("SELECT subject FROM audit_log WHERE action = 'login.failed' ORDER BY id").all()).toEqual([{ subject: 'admin@example.com' }, { subject: 'nobody@example.com' }])
  })

  it('sends visitors without a session to the login page, and back after signing in', async () => {
    await addUser(t.db, 'staff')
    const res = await t.app.inject('/admin/customers?q=anna')
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/login?next=%2Fadmin%2Fcustomers%3Fq%3Danna')
    expect((await t.app.inject('/login?next=%2Fadmin%2Fcustomers%3Fq%3Danna')).body).toContain('value="/admin/customers?q=anna"')
    const signedIn = await login(t.app, 'staff@example.com', PASSWORD, { fields: { next: '/admin/customers?q=anna' } })
    expect(signedIn.res.headers.location).toBe('/admin/customers?q=anna')
  })

  it('never redirects off-site after login', async () => {
    await addUser(t.db, 'staff')
    const { res } = await login(t.app, 'staff@example.com', PASSWORD, { fields: { next: '//evil.example/admin' } })
    expect(res.headers.location).toBe('/admin')
  })

  it('logout ends the session on the server: the old cookie no longer opens anything', async () => {
    await addUser(t.db, 'admin')
    const { jar } = await login(t.app, 'admin@example.com')
    const stolen = jar.header()
    const token = await formToken(t.app, jar, '/admin/customers')
    const out = await t.app.inject({ method: 'POST', url: '/logout', headers: formHeaders(jar.header()), payload: form({ _csrf: token }) })
    expect(out.statusCode).toBe(303)
    const again = await t.app.inject({ url: '/admin/customers', headers: { cookie: stolen } })
    expect(again.statusCode).toBe(303)
    expect(again.headers.location).toMatch(/^\/login/)
  })
})

describe('CSRF', () => {
  const t = useTestApp()

  it('refuses a login form without its token', async () => {
    await addUser(t.db, 'admin')
    const res = await t.app.inject({ method: 'POST', url: '/login', headers: formHeaders(''), payload: form({ email: 'admin@example.com', password: PASSWORD }) })
    expect(res.statusCode).toBe(403)
    expect(res.body).toContain('Dieses Formular ist abgelaufen')
  })

  it('refuses a forged form from a signed-in user and changes nothing', async () => {
    await addUser(t.db, 'admin')
    const { jar } = await login(t.app, 'admin@example.com')
    const forged = await t.app.inject({
      method: 'POST',
      url: '/admin/users',
      headers: formHeaders(jar.header()),
      payload: form({ email: 'intruder@example.com', role: 'admin', _csrf: 'forged-token' }),
    })
    expect(forged.statusCode).toBe(403)
    const missing = await t.app.inject({ method: 'POST', url: '/admin/users', headers: formHeaders(jar.header()), payload: form({ email: 'intruder@example.com', role: 'admin' }) })
    expect(missing.statusCode).toBe(403)
    const users = t.db.$client.prepare("SELECT count(*) AS n FROM users WHERE email = 'intruder@example.com'").get()
    expect(users).toEqual({ n: 0 })
  })

  it('accepts the same form with its token', async () => {
    await addUser(t.db, 'admin')
    const { jar } = await login(t.app, 'admin@example.com')
    const token = await formToken(t.app, jar, '/admin/users')
    const res = await t.app.inject({ method: 'POST', url: '/admin/users', headers: formHeaders(jar.header()), payload: form({ email: 'new@example.com', role: 'staff', _csrf: token }) })
    expect(res.statusCode).toBe(200)
    expect(res.body).toMatch(/<code class="secret">[^<]{20}<\/code>/)
  })
})

describe('login rate limit', () => {
  const t = useTestApp({ loginFailures: new FailureLimiter(3, 60_000) })

  it('stops a client after too many attempts, even with the right password', async () => {
    await addUser(t.db, 'admin')
    for (let i = 0; i < 3; i++) expect((await login(t.app, 'admin@example.com', 'wrong-password-' + i)).res.statusCode).toBe(401)
    const blocked = await login(t.app, 'admin@example.com')
    expect(blocked.res.statusCode).toBe(429)
    expect(blocked.res.body).toMatch(/Zu viele Anmeldeversuche/)
  })
})

describe('roles', () => {
  const t = useTestApp()

  it('staff look up customers but cannot reach import or users; managers neither', async () => {
    await addUser(t.db, 'staff')
    await addUser(t.db, 'manager')
    await addUser(t.db, 'admin')
    const staff = await login(t.app, 'staff@example.com')
    const manager = await login(t.app, 'manager@example.com')
    const admin = await login(t.app, 'admin@example.com')
    const get = (jar: { header: () => string }, url: string) => t.app.inject({ url, headers: { cookie: jar.header() } })
    expect((await get(staff.jar, '/admin/customers')).statusCode).toBe(200)
    for (const url of ['/admin/imports', '/admin/users']) {
      const res = await get(staff.jar, url)
      expect(res.statusCode).toBe(403)
      expect(res.body).toContain('You do not have access to this page')
      expect((await get(manager.jar, url)).statusCode).toBe(403)
      expect((await get(admin.jar, url)).statusCode).toBe(200)
    }
    // The navigation shows staff only what they may open.
    const page = await get(staff.jar, '/admin/customers')
    expect(page.body).not.toContain('href="/admin/users"')
    const token = await formToken(t.app, staff.jar, '/admin/customers')
    const post = await t.app.inject({ method: 'POST', url: '/admin/users', headers: formHeaders(staff.jar.header()), payload: form({ email: 'x@example.com', role: 'admin', _csrf: token }) })
    expect(post.statusCode).toBe(403)
  })
})

describe('security headers', () => {
  const t = useTestApp()
  it('sends a strict CSP without inline script on every page', async () => {
    const res = await t.app.inject('/login')
    const csp = String(res.headers['content-security-policy'])
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toContain('unsafe-inline')
    expect(csp).toContain("frame-ancestors 'none'")
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.body).not.toMatch(/<script>(?!<\/script>)/)
  })
})
