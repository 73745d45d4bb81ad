// `npm run screenshots`: every page on a phone and a laptop, as PNGs in test-results/screenshots, to look at.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { analyze } from '../../src/services/analyze.ts'
import { loadDemoShop } from '../../src/services/demo.ts'
import { createSurveyLink } from '../../src/services/links.ts'
import { changeCampaignState } from '../../src/services/campaigns.ts'
import { testCampaign } from '../helpers/campaigns.ts'
import type { Page } from 'playwright-core'
import { laptop, launchBrowser, phone } from '../helpers/browser.ts'
import { addUser, PASSWORD } from '../helpers/factories.ts'
import { startServer } from '../helpers/server.ts'

const out = resolve('test-results/screenshots')
mkdirSync(out, { recursive: true })
const server = await startServer()
loadDemoShop(server.db, { customers: 1500, seed: 1, asOf: new Date(), defaultLocale: 'de', defaultCurrency: 'EUR' })
analyze(server.db, { trigger: 'cli' })
// The staff side in German (DEFAULT_LOCALE), as the first users read it; `LANG=en` for English.
const lang = process.env.SCREENSHOT_LANG === 'en' ? 'en' : 'de'
await addUser(server.db, 'admin', 'admin@example.com', lang)
const words = lang === 'de'
  ? { email: 'E-Mail', password: 'Passwort', signIn: 'Anmelden', file: 'CSV-Datei', upload: 'Hochladen und importieren', nothing: 'Es wurde nichts importiert' }
  : { email: 'Email', password: 'Password', signIn: 'Sign in', file: 'CSV file', upload: 'Upload and import', nothing: 'Nothing was imported' }
const csv = join(server.dir, 'bad.csv')
writeFileSync(csv, 'customer_id,email,first_name\nN1,nina@example.com,Nina\nN2,not-an-email,Otto\nN1,x@example.com,Paula\n')
const browser = await launchBrowser()
const anyCustomer = (server.db.$client.prepare("SELECT customer_id AS id FROM orders GROUP BY customer_id HAVING count(*) > 6 LIMIT 1").get() as { id: number }).id

async function shotOf(page: Page, device: string, name: string) {
  // A busy renderer sometimes misses a frame: one more try before giving up on the picture.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await page.screenshot({ path: join(out, `${device}-${name}.png`), fullPage: true, timeout: 10_000 })
      return
    } catch (e) {
      if (attempt === 1) console.warn(`no screenshot ${device}-${name}: ${(e as Error).message.split('\n')[0]}`)
    }
  }
}

for (const [device, options] of [['phone', phone], ['laptop', laptop]] as const) {
  const context = await browser.newContext({ ...options, locale: lang === 'de' ? 'de-DE' : 'en-GB' })
  const page = await context.newPage()
  const shot = async (name: string) => {
    await page.screenshot({ path: join(out, `${device}-${name}.png`), fullPage: true })
    // Long pages shrink to nothing when viewed whole: the first screens of a phone page as well.
    if (device === 'phone') await page.screenshot({ path: join(out, `${device}-${name}-top.png`), fullPage: true, clip: { x: 0, y: 0, width: 390, height: 1100 } })
  }
  await page.goto(`${server.url}/login`)
  await shot('login')
  await page.getByLabel(words.email).fill('admin@example.com')
  await page.getByLabel(words.password).fill('wrong password')
  await page.getByRole('button', { name: words.signIn }).click()
  await shot('login-error')
  await page.getByLabel(words.password).fill(PASSWORD)
  await page.getByRole('button', { name: words.signIn }).click()
  await page.waitForURL('**/admin')
  await shot('overview')
  await page.goto(`${server.url}/admin/customers`)
  await shot('customers')
  await page.goto(`${server.url}/admin/customers?q=schmidt&sort=spend&dir=desc`)
  await shot('customers-search')
  await page.goto(`${server.url}/admin/customers/${anyCustomer}`)
  await shot('customer')
  const answered = (server.db.$client.prepare("SELECT customer_id AS id FROM responses WHERE status = 'complete' AND json_extract(answers, '$.improve') IS NOT NULL LIMIT 1").get() as { id: number } | undefined)?.id
  if (answered) {
    await page.goto(`${server.url}/admin/customers/${answered}`)
    await shot('customer-answered')
  }
  await page.goto(`${server.url}/admin/customers?status=lapsed&sort=priority&dir=desc`)
  await shot('customers-lapsed')
  await page.goto(`${server.url}/admin/potential`)
  await shot('potential')
  const yearAgo = new Date(Date.now() - 365 * 86_400_000).toISOString().slice(0, 10)
  await page.goto(`${server.url}/admin/analysis?calibration_end=${yearAgo}`)
  await shot('analysis')
  await page.goto(`${server.url}/admin/settings`)
  await shot('settings')
  await page.goto(`${server.url}/admin/surveys`)
  await shot('surveys')
  await page.goto(`${server.url}/admin/surveys/1`)
  await shot('survey-edit')
  await page.goto(`${server.url}/admin/surveys/1/preview?lang=en`)
  await shot('survey-preview')
  await page.goto(`${server.url}/admin/reasons`)
  await shot('reasons')
  await page.goto(`${server.url}/admin/reasons/price`)
  await shot('reason-texts')
  await page.goto(`${server.url}/admin/segments`)
  await shot('segments')
  await page.goto(`${server.url}/admin/segments/count?f_0=lapse_status&o_0=is&v_0=lapsed&g_0=0&f_1=any_reason&o_1=is&v_1=price&g_1=1&gm_1=any&f_2=spend&o_2=gte&v_2=50&g_2=1&count=3&groups=1&match=all&name=Preis`)
  await shot('segment-new')
  await page.goto(`${server.url}/admin/segments/reason-delivery`)
  await shot('segment')
  await page.goto(`${server.url}/admin/segments/offers`)
  await shot('offers')
  await page.goto(`${server.url}/admin/campaigns/new`)
  await shot('campaign-new')
  if (device === 'phone') {
    const c = testCampaign(server.db, { name: 'Lapsed coffee lovers', target: { status: 'lapsed' }, holdoutPercent: 10, ratePerMinute: 600 })
    changeCampaignState(server.db, c.id, 'start', 'screenshots')
    server.app.mailSender.kick()
    await server.app.mailSender.idle()
  }
  await page.goto(`${server.url}/admin/campaigns`)
  await shot('campaigns')
  await page.goto(`${server.url}/admin/campaigns/1`)
  await shot('campaign')
  await page.goto(`${server.url}/admin/campaigns/1/mail?kind=invitation&lang=de`)
  await shot('campaign-mail')
  await page.goto(`${server.url}/admin/outbox`)
  await shot('outbox')
  const firstSent = server.db.$client.prepare("SELECT id FROM messages WHERE status = 'sent' LIMIT 1").get() as { id: number } | undefined
  if (firstSent) {
    await page.goto(`${server.url}/admin/outbox/${firstSent.id}`)
    await shot('outbox-message')
  }
  await page.goto(`${server.url}/admin/imports`)
  await page.getByLabel(words.file, { exact: true }).setInputFiles(csv)
  await page.getByRole('button', { name: words.upload }).click()
  await page.getByText(words.nothing).first().waitFor()
  await shot('import-report')
  await page.goto(`${server.url}/admin/imports`)
  await shot('imports')
  await page.goto(`${server.url}/admin/users`)
  await shot('users')
  await page.goto(`${server.url}/admin/account`)
  await shot('account')
  await page.goto(`${server.url}/admin/api-keys`)
  await shot('api-keys')
  await page.goto(`${server.url}/admin/webhooks`)
  await shot('webhooks')
  await page.goto(`${server.url}/api/docs`)
  await shot('api-docs')
  const complainer = (server.db.$client.prepare("SELECT customer_id AS id FROM events WHERE kind = 'complaint' LIMIT 1").get() as { id: number } | undefined)?.id
  if (complainer) {
    await page.goto(`${server.url}/admin/customers/${complainer}`)
    await shot('customer-events')
  }
  await page.goto(`${server.url}/admin/nowhere`)
  await shot('not-found')
  // The survey as an ex-customer sees it, every step.
  const link = createSurveyLink(server.db, anyCustomer, { baseUrl: server.url, actor: 'screenshots' })
  const survey = await browser.newContext(options)
  const resp = await survey.newPage()
  await resp.goto(link.url)
  for (let i = 1; i < 12; i++) {
    await shotOf(resp, device, `survey-${i}`)
    if (await resp.getByText('♥').count()) break
    const radios = resp.locator('input[type=radio]')
    const boxes = resp.locator('input[type=checkbox]')
    if (i === 1) {
      // Show the validation message once.
      await resp.getByRole('button', { name: /Weiter|Next/ }).click()
      await resp.locator('.resp-error').waitFor()
      await shotOf(resp, device, 'survey-error')
      await boxes.nth(0).check()
      await boxes.nth(1).check()
    } else if (await boxes.count()) await boxes.nth(0).check()
    else if (await radios.count()) await radios.nth(Math.min(8, (await radios.count()) - 1)).check()
    else await resp.locator('textarea').fill('Mehr Auswahl bei entkoffeiniertem Kaffee <b>bitte</b>')
    await resp.getByRole('button', { name: /Weiter|Next|Absenden|Submit/ }).click()
    await resp.waitForLoadState('networkidle')
    await resp.locator('.resp-card').waitFor()
  }
  await survey.close()
  const bad = await browser.newContext(options)
  const badPage = await bad.newPage()
  await badPage.goto(`${server.url}/s/not-a-real-token-at-all-0000000000`)
  await shotOf(badPage, device, 'survey-link-problem')
  await bad.close()
  await context.close()
}
await browser.close()
await server.close()
writeFileSync(join(out, 'README.txt'), 'Screenshots made by `npm run screenshots`.\n')
console.log(`Screenshots in ${out}`)
