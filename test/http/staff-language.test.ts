import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { analyze } from '../../src/services/analyze.ts'
import { changeCampaignState } from '../../src/services/campaigns.ts'
import { loadDemoShop } from '../../src/services/demo.ts'
import { startImportRun } from '../../src/services/import.ts'
import { tempDatabase, testConfig } from '../helpers/build-app.ts'
import { testCampaign } from '../helpers/campaigns.ts'
import { addUser, formToken, importDefaults, login, writeFixture } from '../helpers/factories.ts'

/**
 * Every staff page on the demo shop, read as a German and as an English user: the interface
 * words of the other language must not appear. Data stays as the shop wrote it, so answers,
 * mail texts and form contents are left out of the reading.
 */

// Words of the interface that a page left untranslated would show; none is also a German word.
const english = ['Customers', 'Orders', 'Search', 'Settings', 'Save', 'Campaigns', 'Surveys', 'Users', 'Analysis', 'Previous', 'Next', 'Page', 'Sent', 'Queued', 'Members', 'Answered', 'Language', 'Last order', 'won back', 'Log out', 'Sign in', 'Email', 'Phone', 'Date', 'Preview', 'Reminders', 'Holdout', 'Role', 'Since', 'Responses', 'Changed', 'Kind', 'When', 'Rows', 'Line', 'Column', 'Invalid', 'Active', 'At risk', 'Lapsed', 'Lost', 'Granted', 'Unknown', 'days ago', 'Consent', 'Priority', 'Value', 'Back to', 'Not found', 'Imported', 'Rewards', 'Progress', 'Left out', 'Target', 'Question', 'Required', 'Remove', 'Choices', 'Add a', 'the', 'and', 'with', 'of', 'not']
// And the other way round: German interface words.
const german = ['Kunden', 'Bestellung', 'Suchen', 'Einstellungen', 'Speichern', 'Kampagne', 'Umfrage', 'Benutzer', 'Zurück', 'Weiter', 'Seite', 'Gesendet', 'Wartend', 'Mitglieder', 'Beantwortet', 'Sprache', 'Abmelden', 'Anmelden', 'Frühwarnung', 'Kaufstatus', 'Rückgewinnung', 'Aktiv', 'Gefährdet', 'Abgewandert', 'Verloren', 'Einwilligung', 'Priorität', 'Vorschau', 'Erinnerung', 'Zeile', 'Spalte', 'Ungültig', 'Fortschritt', 'Zielgruppe', 'Frage', 'Antwort', 'Belohnung', 'Gutschein', 'nicht', 'und', 'mit', 'der', 'die', 'das']

/** The text a reader sees, without what belongs to the data: answers, mail texts, form fields, code. */
function visibleText(html: string): string {
  return html
    .replace(/<(script|style|textarea|pre|code|iframe|select|title)\b[\s\S]*?<\/\1>/g, ' ')
    .replace(/<dl class="facts qa">[\s\S]*?<\/dl>/g, ' ')
    .replace(/<blockquote class="free-text"[^>]*>[\s\S]*?<\/blockquote>/g, ' ')
    // Items as the shop named them, and consent wording and evidence exactly as recorded.
    .replace(/<(span|td|dd|div) class="[^"]*\b(items|wording|evidence)\b[^"]*"[^>]*>[^<]*<\/\1>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&[a-z]+;|&#\d+;/g, ' ')
    .replace(/\s+/g, ' ')
}

function foreignWords(html: string, words: string[]): string[] {
  const text = visibleText(html)
  return words.filter((w) => new RegExp(`(^|[^\\p{L}])${w}([^\\p{L}]|$)`, 'u').test(text))
}

describe('the staff side in German and in English', () => {
  let app: FastifyInstance
  let cleanup: () => void
  const pages: string[] = []

  beforeAll(async () => {
    const t = tempDatabase()
    cleanup = t.cleanup
    const asOf = new Date('2026-06-30T00:00:00Z')
    loadDemoShop(t.db, { customers: 400, seed: 5, asOf, defaultLocale: 'de', defaultCurrency: 'EUR' })
    analyze(t.db, { trigger: 'manual', asOf: '2026-06-30' })
    const campaign = testCampaign(t.db, { name: 'Winterkampagne', target: { status: 'lapsed' }, holdoutPercent: 10 })
    changeCampaignState(t.db, campaign.id, 'start', 'test')
    const draft = testCampaign(t.db, { name: 'Frühjahr', target: { status: 'at_risk' } })
    const file = writeFixture(t.dir, 'kunden.csv', 'customer_id,email,created_at\nX1,keine-adresse,2024-01-01\nX1,x@example.com,31.02.2024\n')
    await startImportRun(t.db, file, { ...importDefaults, kind: 'customers', runId: 'badfile00001' }).done
    await addUser(t.db, 'admin', 'de@example.com', 'de')
    await addUser(t.db, 'admin', 'en@example.com', 'en')
    app = await buildApp({ config: testConfig(t.file), db: t.db })
    await app.ready()
    const customer = (t.db.$client.prepare("SELECT customer_id AS id FROM responses WHERE status = 'complete' LIMIT 1").get() as { id: number }).id
    const message = (t.db.$client.prepare('SELECT id FROM messages LIMIT 1').get() as { id: number }).id
    pages.push(
      '/admin',
      '/admin/customers',
      '/admin/customers?q=a&status=lapsed&min_orders=2',
      `/admin/customers/${customer}`,
      '/admin/potential',
      '/admin/potential?status=all&page=2',
      '/admin/segments',
      '/admin/segments/new',
      '/admin/segments/reason-delivery',
      '/admin/segments/answered-not-bought?sort=name&dir=asc',
      '/admin/segments/offers',
      '/admin/audit',
      '/admin/reasons',
      '/admin/reasons?segment=answered-not-bought&locale=de',
      '/admin/reasons/delivery',
      '/admin/analysis?calibration_end=2025-12-31',
      '/admin/settings',
      '/admin/surveys',
      '/admin/surveys/1',
      '/admin/campaigns',
      '/admin/campaigns/new',
      `/admin/campaigns/${campaign.id}`,
      `/admin/campaigns/${draft.id}`,
      '/admin/outbox',
      `/admin/outbox/${message}`,
      '/admin/imports',
      '/admin/imports/badfile00001',
      '/admin/users',
      '/admin/account',
      '/admin/no-such-page',
    )
  })
  afterAll(async () => {
    await app?.close()
    cleanup?.()
  })

  for (const [lang, other, words] of [['de', 'English', english], ['en', 'German', german]] as const) {
    it(`shows every staff page in ${lang === 'de' ? 'German' : 'English'}, with no ${other} interface words`, async () => {
      const { jar } = await login(app, `${lang}@example.com`)
      const found: Record<string, string[]> = {}
      for (const url of [...pages, `/admin/surveys/1/preview?lang=${lang}`, `/admin/campaigns/1/mail?kind=invitation&lang=${lang}`]) {
        const res = await app.inject({ url, headers: { cookie: jar.header() } })
        expect([200, 404], url).toContain(res.statusCode)
        expect(res.body, url).toContain(`<html lang="${lang}">`)
        const foreign = foreignWords(res.body, words)
        if (foreign.length) found[url] = foreign
      }
      expect(found).toEqual({})
      // The login page, signed out, follows the browser.
      const signIn = await app.inject({ url: '/login', headers: { 'accept-language': lang === 'de' ? 'de-DE,de;q=0.9,en;q=0.5' : 'en-US,en;q=0.9' } })
      expect(signIn.body).toContain(`<html lang="${lang}">`)
      expect(foreignWords(signIn.body, words)).toEqual([])
    })
  }

  it('formats numbers, money and dates for the language', async () => {
    const de = await login(app, 'de@example.com')
    const en = await login(app, 'en@example.com')
    const dePage = (await app.inject({ url: '/admin/potential?status=all', headers: { cookie: de.jar.header() } })).body
    const enPage = (await app.inject({ url: '/admin/potential?status=all', headers: { cookie: en.jar.header() } })).body
    expect(dePage).toMatch(/\d{1,3}(\.\d{3})*,\d{2}\s€/)
    expect(enPage).toMatch(/€\d{1,3}(,\d{3})*\.\d{2}/)
    const deAnalysis = (await app.inject({ url: '/admin/analysis', headers: { cookie: de.jar.header() } })).body
    const enAnalysis = (await app.inject({ url: '/admin/analysis', headers: { cookie: en.jar.header() } })).body
    expect(deAnalysis).toContain('30.06.2026')
    expect(enAnalysis).toContain('30 Jun 2026')
  })

  it('lets each user pick a language, which the next page speaks', async () => {
    const { jar } = await login(app, 'en@example.com')
    const csrf = await formToken(app, jar, '/admin/account')
    const saved = await app.inject({
      method: 'POST',
      url: '/admin/account',
      headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf, locale: 'de' }).toString(),
    })
    expect(saved.body).toContain('Gespeichert. Die Seiten sind jetzt auf Deutsch.')
    const next = await app.inject({ url: '/admin/customers', headers: { cookie: jar.header() } })
    expect(next.body).toContain('<html lang="de">')
    const refused = await app.inject({
      method: 'POST',
      url: '/admin/account',
      headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf, locale: 'xx' }).toString(),
    })
    expect(refused.statusCode).toBe(400)
    expect(refused.body).toContain('Wählen Sie eine der angebotenen Sprachen.')
    // Back to English for the other tests.
    await app.inject({
      method: 'POST',
      url: '/admin/account',
      headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf, locale: 'en' }).toString(),
    })
  })
})
