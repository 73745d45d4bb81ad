import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { inEnglish, type Note } from '../../src/domain/errors.ts'
import { readNote } from '../../src/domain/format.ts'
import { changeConsent } from '../../src/services/consent.ts'
import { useTestApp, type TestApp } from '../helpers/build-app.ts'
import { addUser, formToken, login } from '../helpers/factories.ts'
import { answer, answerAll, customerWithLink } from '../helpers/survey.ts'

const count = (t: TestApp, sql: string, ...args: unknown[]) => (t.db.$client.prepare(sql).get(...args) as { n: number }).n

describe('the survey behind a personal link', () => {
  const t = useTestApp()

  it('walks the default survey one question at a time without JavaScript and shows the coupon', async () => {
    const { token } = await customerWithLink(t.db)
    const openedAt = () => (t.db.$client.prepare('SELECT opened_at AS at FROM campaign_members').get() as { at: string | null }).at
    expect(openedAt()).toBeNull()
    const first = await t.app.inject(`/s/${token}`)
    expect(first.statusCode).toBe(200)
    // The first open is noted (the campaign's funnel counts it); later ones keep its time.
    const opened = openedAt()
    expect(opened).not.toBeNull()
    expect(first.headers['x-robots-tag']).toContain('noindex')
    expect(first.headers['referrer-policy']).toBe('no-referrer')
    expect(first.body).toContain('<html lang="de">')
    expect(first.body).toContain('Warum kaufen Sie nicht mehr bei uns?')
    expect(first.body).toContain('Frage 1 von 6')

    const next = await answer(t.app, token, 'reasons', { q: ['price', 'better_offer'] })
    expect(next.statusCode).toBe(303)
    // Two reasons: which is the main one? Then the competitor question, as "better offer" was chosen.
    expect((await t.app.inject(next.headers.location as string)).body).toContain('Und was ist der Hauptgrund?')
    await answer(t.app, token, 'main_reason', { q: 'better_offer' })
    expect((await t.app.inject(`/s/${token}`)).body).toContain('Was macht der andere Anbieter besser?')
    await answer(t.app, token, 'competitor', { q: 'Cheaper shipping' })
    await answer(t.app, token, 'nps', { q: '9' })
    await answer(t.app, token, 'csat', { q: '4' })
    await answer(t.app, token, 'ces', { q: '6' })
    await answer(t.app, token, 'improve', { q: '' })
    const done = await answer(t.app, token, 'contact', { q: 'phone' })
    expect(done.headers.location).toBe(`/s/${token}?lang=de&done=1`)
    const thanks = await t.app.inject(done.headers.location as string)
    expect(thanks.body).toContain('Vielen Dank!')
    expect(openedAt()).toBe(opened)
    const code = /<p class="coupon-code">([A-Z0-9-]+)<\/p>/.exec(thanks.body)![1]!
    expect(code).toMatch(/^CB-[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}$/)
    expect(thanks.body).toContain('10 % Rabatt auf Ihre nächste Bestellung')

    const r = t.db.$client.prepare('SELECT status, main_reason, nps, csat, ces, answers, locale FROM responses').get() as Record<string, unknown>
    expect(r).toMatchObject({ status: 'complete', main_reason: 'better_offer', nps: 9, csat: 4, ces: 6, locale: 'de' })
    expect(JSON.parse(r.answers as string)).toMatchObject({ reasons: { values: ['price', 'better_offer'] }, competitor: 'Cheaper shipping', improve: null, contact: 'phone' })
    // The token itself is nowhere in the database: only its hash.
    expect(count(t, 'SELECT count(*) AS n FROM member_tokens WHERE token_hash = ?', token)).toBe(0)
    expect(count(t, 'SELECT count(*) AS n FROM member_tokens')).toBe(1)
  })

  it('asks again, with a message, when an answer is missing or wrong', async () => {
    const { token } = await customerWithLink(t.db, 'K2', { locale: 'en' })
    const missing = await answer(t.app, token, 'reasons', {})
    expect(missing.statusCode).toBe(422)
    expect(missing.body).toContain('Please answer this question.')
    expect(missing.body).toContain('aria-invalid="true"')
    const other = await answer(t.app, token, 'reasons', { q: ['other'], other: '' })
    expect(other.body).toContain('Please describe the other reason.')
    const tampered = await answer(t.app, token, 'reasons', { q: ['free_beer'] })
    expect(tampered.body).toContain('Please choose one of the answers.')
    await answer(t.app, token, 'reasons', { q: ['price'] })
    const nps = await answer(t.app, token, 'nps', { q: '11' })
    expect(nps.statusCode).toBe(422)
    expect(nps.body).toContain('Please choose one of the answers.')
    // A question that is not shown (only one reason: no "main reason") cannot be answered.
    expect((await answer(t.app, token, 'main_reason', { q: 'price' })).statusCode).toBe(422)
    // htmx gets the step with its message, to swap in place.
    const htmx = await answer(t.app, token, 'nps', {}, { 'hx-request': 'true', 'hx-target': 'survey-step' })
    expect(htmx.statusCode).toBe(200)
    expect(htmx.body.trimStart()).toMatch(/^<form id="survey-step"/)
    expect(htmx.body).toContain('Please answer this question.')
  })

  it('keeps a long answer on the page, saying to send it again, while another connection holds the write lock', async () => {
    const { token } = await customerWithLink(t.db, 'K9', { locale: 'en' })
    const long = 'Die Lieferung kam dreimal zu spät, und der Kundendienst hat nie geantwortet. '.repeat(8).trim()
    await answer(t.app, token, 'reasons', { q: ['other'], other: 'Lieferung' })
    // A very large import's merge, as another process would hold it: the write waits, then gives up.
    t.db.$client.pragma('busy_timeout = 50')
    const other = new Database(t.file)
    other.exec('BEGIN IMMEDIATE')
    try {
      const page = await t.app.inject(`/s/${token}`)
      expect(page.statusCode).toBe(200)
      const refused = await answer(t.app, token, 'improve', { q: long })
      expect(refused.statusCode).toBe(503)
      expect(refused.headers['retry-after']).toBe('5')
      expect(refused.body).toContain('could not be saved just now')
      // The respondent's words are still in the form, escaped, ready to be sent again.
      expect(refused.body).toContain(long)
    } finally {
      other.exec('ROLLBACK')
      other.close()
      t.db.$client.pragma('busy_timeout = 5000')
    }
    const again = await answer(t.app, token, 'improve', { q: long })
    expect(again.statusCode).toBe(303)
    expect(JSON.parse((t.db.$client.prepare('SELECT answers FROM responses').get() as { answers: string }).answers).improve).toBe(long)
  })

  it('saves a half-finished survey and resumes where it stopped, keeping earlier answers', async () => {
    const { token } = await customerWithLink(t.db, 'K3', { locale: 'en' })
    await answer(t.app, token, 'reasons', { q: ['price', 'better_offer'] })
    await answer(t.app, token, 'main_reason', { q: 'price' })
    expect(t.db.$client.prepare('SELECT status FROM responses').get()).toEqual({ status: 'partial' })
    const resumed = await t.app.inject(`/s/${token}`)
    expect(resumed.body).toContain('What does the other shop do better?')
    expect(resumed.body).toContain('Question 3 of 8')
    // Back to the first question: the earlier choices are ticked.
    const back = await t.app.inject(`/s/${token}?q=reasons`)
    expect(back.body).toMatch(/value="price" checked/)
    // Changing the reasons drops the answers that no longer apply.
    await answer(t.app, token, 'reasons', { q: ['delivery'] })
    const answers = JSON.parse((t.db.$client.prepare('SELECT answers FROM responses').get() as { answers: string }).answers)
    expect(answers).toEqual({ reasons: { values: ['delivery'] } })
    expect((await t.app.inject(`/s/${token}`)).body).toContain('How likely are you to recommend us')
  })

  it('gives one response and one reward however often, and however fast, it is submitted', async () => {
    const { token } = await customerWithLink(t.db, 'K4')
    await answerAll(t.app, token)
    // Resent last step, back button, second tab: in parallel too.
    const again = await Promise.all(Array.from({ length: 20 }, () => answer(t.app, token, 'contact', { q: 'email' })))
    for (const res of again) expect(res.statusCode).toBe(303)
    expect(count(t, 'SELECT count(*) AS n FROM responses')).toBe(1)
    expect(count(t, 'SELECT count(*) AS n FROM rewards')).toBe(1)
    expect(count(t, 'SELECT count(*) AS n FROM coupons')).toBe(1)
    const page = await t.app.inject(`/s/${token}`)
    expect(page.body).toContain('Ihre Antworten sind schon angekommen')
    const code = /<p class="coupon-code">([A-Z0-9-]+)<\/p>/.exec(page.body)![1]
    expect(code).toBe((t.db.$client.prepare('SELECT code FROM coupons').get() as { code: string }).code)
    // The answer given first stands.
    expect(JSON.parse((t.db.$client.prepare('SELECT answers FROM responses').get() as { answers: string }).answers).contact).toBe('no')
  })

  it('records "no" as an objection on both channels with the exact wording, and stops mail', async () => {
    const { token, customerId } = await customerWithLink(t.db, 'K5')
    await answerAll(t.app, token, 'no')
    expect(t.db.$client.prepare('SELECT email_consent, phone_consent FROM customers WHERE id = ?').get(customerId)).toEqual({ email_consent: 'objected', phone_consent: 'objected' })
    const events = t.db.$client.prepare("SELECT channel, status, previous_status, source, actor, wording FROM consent_events WHERE source = 'survey' ORDER BY channel").all()
    expect(events).toEqual([
      { channel: 'email', status: 'objected', previous_status: 'existing_customer', source: 'survey', actor: 'customer', wording: 'Dürfen wir Sie wieder kontaktieren, und wie? — Nein, bitte kontaktieren Sie mich nicht mehr' },
      { channel: 'phone', status: 'objected', previous_status: 'unknown', source: 'survey', actor: 'customer', wording: 'Dürfen wir Sie wieder kontaktieren, und wie? — Nein, bitte kontaktieren Sie mich nicht mehr' },
    ])
    expect(t.db.$client.prepare('SELECT email, reason FROM suppressions').all()).toEqual([{ email: 'k5@example.com', reason: 'objected' }])
  })

  it('records a "yes" by email as a request awaiting double opt-in, not as consent', async () => {
    const { token, customerId } = await customerWithLink(t.db, 'K6', { locale: 'en' })
    await answerAll(t.app, token, 'email')
    expect(t.db.$client.prepare('SELECT email_consent FROM customers WHERE id = ?').get(customerId)).toEqual({ email_consent: 'existing_customer' })
    const e = t.db.$client.prepare("SELECT status, wording, detail FROM consent_events WHERE source = 'survey'").get() as Record<string, string>
    expect(e.status).toBe('existing_customer')
    expect(e.wording).toBe('May we contact you again, and how? — Yes, by email')
    expect(inEnglish(readNote(e.detail) as Note)).toMatch(/double opt-in requested/)
  })

  it('shows the same calm page for unknown, tampered and expired links, and slows down guessing', async () => {
    const { token } = await customerWithLink(t.db, 'K7')
    const unknown = await t.app.inject(`/s/${'A'.repeat(32)}`)
    // One character changed (a token ending in x would otherwise stay itself, one run in 64).
    const tampered = await t.app.inject(`/s/${token.slice(0, -1)}${token.endsWith('x') ? 'y' : 'x'}`)
    const malformed = await t.app.inject('/s/%3Cscript%3E')
    t.db.$client.prepare("UPDATE campaign_members SET expires_at = '2000-01-01T00:00:00.000Z'").run()
    const expired = await t.app.inject(`/s/${token}`)
    for (const res of [unknown, tampered, malformed, expired]) {
      expect(res.statusCode).toBe(404)
      expect(res.body).toContain('Dieser Link ist nicht (mehr) gültig')
      expect(res.headers['x-robots-tag']).toContain('noindex')
    }
    expect(expired.body).toBe(unknown.body)
    for (let i = 0; i < 20; i++) await t.app.inject(`/s/${'B'.repeat(31)}${i % 10}`)
    const limited = await t.app.inject(`/s/${'C'.repeat(32)}`)
    expect(limited.statusCode).toBe(429)
    expect(limited.body).toContain('Dieser Link ist nicht (mehr) gültig')
  })

  it('speaks the customer’s language and switches on request', async () => {
    const { token } = await customerWithLink(t.db, 'K8', { locale: 'en' })
    expect((await t.app.inject(`/s/${token}`)).body).toContain('Why have you stopped buying from us?')
    const german = await t.app.inject(`/s/${token}?lang=de`)
    expect(german.body).toContain('<html lang="de">')
    expect(german.body).toContain('name="lang" value="de"')
    await answer(t.app, token, 'reasons', { q: ['price'], lang: 'de' })
    expect(t.db.$client.prepare('SELECT locale FROM responses').get()).toEqual({ locale: 'de' })
  })

  it('grants loyalty points where the campaign offers them, with the balance and the next tier', async () => {
    const { token, customerId } = await customerWithLink(t.db, 'K9', { locale: 'en' })
    t.db.$client.prepare(`UPDATE campaigns SET incentives = '[{"kind":"points","points":200}]'`).run()
    t.db.$client.prepare("INSERT INTO points_ledger (customer_id, kind, points, reason) VALUES (?, 'grant', 400, 'earlier')").run(customerId)
    await answerAll(t.app, token, 'no')
    const page = await t.app.inject(`/s/${token}?done=1`)
    expect(page.body).toContain('200 points added')
    expect(page.body).toContain('Your balance: 600 points (Silver)')
    expect(page.body).toContain('900 points to go until Gold')
  })

  it('shows free-text answers inert on the staff pages', async () => {
    const { token, customerId } = await customerWithLink(t.db, 'K10', { locale: 'en' })
    const evil = '<img src=x onerror=alert(1)><b hx-post="/admin/users" hx-trigger="load">x</b>'
    await answerAll(t.app, token, 'no', evil)
    await addUser(t.db, 'staff')
    const { jar } = await login(t.app, 'staff@example.com')
    const page = await t.app.inject({ url: `/admin/customers/${customerId}`, headers: { cookie: jar.header() } })
    expect(page.body).toContain('What could we have done better?')
    expect(page.body).toContain('&lt;img src=x onerror=alert(1)&gt;&lt;b hx-post=&quot;/admin/users&quot;')
    expect(page.body).not.toContain('<img src=x')
    expect(page.body).not.toContain('hx-post="/admin/users"')
  })

  it('lets staff create a test link from the customer page', async () => {
    const { customerId } = await customerWithLink(t.db, 'K11')
    await addUser(t.db, 'staff')
    const { jar } = await login(t.app, 'staff@example.com')
    const csrf = await formToken(t.app, jar, `/admin/customers/${customerId}`)
    const res = await t.app.inject({ method: 'POST', url: `/admin/customers/${customerId}/link`, headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${encodeURIComponent(csrf)}` })
    const url = /href="(http:\/\/127\.0\.0\.1:3000\/s\/[\w-]{32})"/.exec(res.body)![1]!
    const page = await t.app.inject(new URL(url).pathname)
    expect(page.body).toContain('Warum kaufen Sie nicht mehr bei uns?')
  })
})

describe('unsubscribe', () => {
  const t = useTestApp()

  it('asks on GET and unsubscribes on POST, at once, as a consent event', async () => {
    const { token, customerId } = await customerWithLink(t.db, 'U1', { email: 'ulla@example.com' })
    const page = await t.app.inject(`/u/${token}`)
    expect(page.body).toContain('u***@example.com')
    expect(page.headers['referrer-policy']).toBe('no-referrer')
    expect(t.db.$client.prepare('SELECT email_consent FROM customers WHERE id = ?').get(customerId)).toEqual({ email_consent: 'existing_customer' })
    const res = await t.app.inject({ method: 'POST', url: `/u/${token}` })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('Sie sind abgemeldet')
    expect(t.db.$client.prepare('SELECT email_consent FROM customers WHERE id = ?').get(customerId)).toEqual({ email_consent: 'objected' })
    expect(t.db.$client.prepare("SELECT source, status, actor FROM consent_events WHERE source = 'unsubscribe'").get()).toEqual({ source: 'unsubscribe', status: 'objected', actor: 'customer' })
    expect(t.db.$client.prepare('SELECT reason FROM suppressions WHERE email = ?').get('ulla@example.com')).toEqual({ reason: 'unsubscribed' })
  })

  it('says an unsubscribe could not be recorded while another connection holds the write lock, and records it when pressed again', async () => {
    const { token, customerId } = await customerWithLink(t.db, 'U9', { email: 'uwe@example.com', locale: 'en' })
    t.db.$client.pragma('busy_timeout = 50')
    const other = new Database(t.file)
    other.exec('BEGIN IMMEDIATE')
    try {
      const refused = await t.app.inject({ method: 'POST', url: `/u/${token}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' })
      expect(refused.statusCode).toBe(503)
      expect(refused.headers['retry-after']).toBe('5')
      expect(refused.body).toContain('could not be recorded just now')
      expect(refused.body).toContain(`action="/u/${token}"`)
    } finally {
      other.exec('ROLLBACK')
      other.close()
      t.db.$client.pragma('busy_timeout = 5000')
    }
    expect(t.db.$client.prepare('SELECT email_consent FROM customers WHERE id = ?').get(customerId)).toEqual({ email_consent: 'existing_customer' })
    const again = await t.app.inject({ method: 'POST', url: `/u/${token}` })
    expect(again.statusCode).toBe(200)
    expect(t.db.$client.prepare('SELECT email_consent FROM customers WHERE id = ?').get(customerId)).toEqual({ email_consent: 'objected' })
  })

  it('takes an RFC 8058 one-click POST without cookies or form token, even after the survey expired', async () => {
    const { token, customerId } = await customerWithLink(t.db, 'U2')
    t.db.$client.prepare("UPDATE campaign_members SET expires_at = '2000-01-01T00:00:00.000Z'").run()
    const res = await t.app.inject({ method: 'POST', url: `/u/${token}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' })
    expect(res.statusCode).toBe(200)
    expect(t.db.$client.prepare('SELECT email_consent FROM customers WHERE id = ?').get(customerId)).toEqual({ email_consent: 'objected' })
    expect(t.db.$client.prepare("SELECT wording FROM consent_events WHERE source = 'unsubscribe'").get()).toEqual({ wording: 'List-Unsubscribe=One-Click (RFC 8058)' })
    const unknown = await t.app.inject({ method: 'POST', url: `/u/${'Z'.repeat(32)}` })
    expect(unknown.statusCode).toBe(404)
  })

  it('keeps an import from lifting the unsubscribe', async () => {
    const { customerId } = await customerWithLink(t.db, 'U3')
    changeConsent(t.db, { customerId, channel: 'email', status: 'objected', source: 'unsubscribe', actor: 'customer' })
    const { importText } = await import('../helpers/factories.ts')
    await importText(t.db, 'customers', 'customer_id,email_consent\nU3,granted\n')
    expect(t.db.$client.prepare('SELECT email_consent FROM customers WHERE id = ?').get(customerId)).toEqual({ email_consent: 'objected' })
  })
})
