import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analyze } from '../../src/services/analyze.ts'
import { changeCampaignState } from '../../src/services/campaigns.ts'
import { loadDemoShop } from '../../src/services/demo.ts'
import { expectAccessible, hasChromium, laptop, launchBrowser, phone, signInGerman } from '../helpers/browser.ts'
import { testCampaign } from '../helpers/campaigns.ts'
import { addUser, PASSWORD } from '../helpers/factories.ts'
import { startServer } from '../helpers/server.ts'

describe.skipIf(!hasChromium)('every manager page passes axe, in German (Chromium)', () => {
  let browser: Browser
  let server: Awaited<ReturnType<typeof startServer>>
  let customerId: number

  beforeAll(async () => {
    browser = await launchBrowser()
    server = await startServer()
    loadDemoShop(server.db, { customers: 400, seed: 5, asOf: new Date(), defaultLocale: 'de', defaultCurrency: 'EUR' })
    analyze(server.db, { trigger: 'cli' })
    const campaign = testCampaign(server.db, { name: 'Axe campaign', target: { status: 'lost' } })
    changeCampaignState(server.db, campaign.id, 'start', 'test')
    server.app.mailSender.kick()
    await server.app.mailSender.idle()
    customerId = (server.db.$client.prepare('SELECT customer_id AS id FROM responses LIMIT 1').get() as { id: number }).id
    await addUser(server.db, 'admin', 'admin@example.com', 'de')
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  for (const [device, options] of [['laptop', laptop], ['phone', phone]] as const) {
    it(`on a ${device}`, { timeout: 120_000 }, async () => {
      const context = await browser.newContext({ ...options, locale: 'de-DE' })
      const page = await context.newPage()
      await signInGerman(page, server.url, 'admin@example.com', PASSWORD)
      const yearAgo = new Date(Date.now() - 365 * 86_400_000).toISOString().slice(0, 10)
      const campaignId = (server.db.$client.prepare("SELECT id FROM campaigns WHERE name = 'Axe campaign'").get() as { id: number }).id
      const messageId = (server.db.$client.prepare("SELECT id FROM messages WHERE status = 'sent' ORDER BY id DESC LIMIT 1").get() as { id: number }).id
      for (const path of [
        '/admin',
        '/admin/customers?status=lapsed&sort=priority&dir=desc',
        `/admin/customers/${customerId}`,
        '/admin/potential',
        `/admin/analysis?calibration_end=${yearAgo}`,
        '/admin/campaigns',
        '/admin/campaigns/new',
        `/admin/campaigns/${campaignId}`,
        `/admin/campaigns/${campaignId}/mail?kind=invitation&lang=de`,
        '/admin/outbox',
        `/admin/outbox/${messageId}`,
        '/admin/surveys',
        '/admin/surveys/1',
        '/admin/surveys/1/preview?lang=en',
        '/admin/imports',
        '/admin/users',
        '/admin/settings',
        '/admin/account',
        '/admin/audit',
        '/admin/reasons',
        '/admin/reasons/price',
        '/admin/segments',
        '/admin/segments/reason-price',
        '/admin/segments/new',
        '/admin/segments/offers',
      ]) {
        const res = await page.goto(server.url + path)
        expect(res?.status(), path).toBe(200)
        expect(await page.locator('html').getAttribute('lang'), path).toBe('de')
        await expectAccessible(page)
      }
      await context.close()
    })
  }

  for (const javaScriptEnabled of [true, false]) {
    it(`shows each dashboard's charts with their tables, JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, { timeout: 60_000 }, async () => {
      const context = await browser.newContext({ ...laptop, javaScriptEnabled, locale: 'de-DE' })
      const page = await context.newPage()
      await signInGerman(page, server.url, 'admin@example.com', PASSWORD)
      const campaignId = (server.db.$client.prepare("SELECT id FROM campaigns WHERE name = 'Axe campaign'").get() as { id: number }).id
      for (const [path, charts] of [['/admin', 2], ['/admin/reasons', 3], [`/admin/campaigns/${campaignId}`, 0]] as const) {
        await page.goto(server.url + path)
        // Every chart is an image with a name, and its numbers are in a table on the same page.
        expect(await page.locator('svg[role=img][aria-label]').count(), path).toBeGreaterThanOrEqual(charts)
        expect(await page.locator('table.data').count(), path).toBeGreaterThanOrEqual(Math.max(1, charts))
      }
      // Filters work as plain links and forms: the language filter changes the count, and the URL keeps it.
      await page.goto(`${server.url}/admin/reasons`)
      await page.getByLabel('Sprache').selectOption('en')
      if (!javaScriptEnabled) await page.getByRole('button', { name: 'Filtern' }).click()
      await expect.poll(() => page.url()).toContain('locale=en')
      await context.close()
    })
  }
})
