import { readFileSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analyze } from '../../src/services/analyze.ts'
import { loadDemoShop } from '../../src/services/demo.ts'
import { expectAccessible, hasChromium, laptop, launchBrowser, signInGerman } from '../helpers/browser.ts'
import { addUser, PASSWORD } from '../helpers/factories.ts'
import { startServer } from '../helpers/server.ts'

describe.skipIf(!hasChromium)('a manager builds a segment and staff export it, in German (Chromium)', () => {
  let browser: Browser
  let server: Awaited<ReturnType<typeof startServer>>

  beforeAll(async () => {
    browser = await launchBrowser()
    server = await startServer()
    loadDemoShop(server.db, { customers: 400, seed: 8, asOf: new Date(), defaultLocale: 'de', defaultCurrency: 'EUR' })
    analyze(server.db, { trigger: 'cli' })
    await addUser(server.db, 'manager', 'manager@example.com', null)
    await addUser(server.db, 'staff', 'staff@example.com', null)
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  const signIn = (page: Page, email: string) => signInGerman(page, server.url, email, PASSWORD, email.startsWith('staff') ? 'Kunden' : 'Übersicht')
  const count = async (page: Page) => Number((await page.locator('#segment-builder .big-number').innerText()).split(' ')[0]!.replace(/\./g, ''))

  for (const javaScriptEnabled of [true, false]) {
    it(`counts as the rules change and saves, JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, { timeout: 60_000 }, async () => {
      const context = await browser.newContext({ ...laptop, javaScriptEnabled, locale: 'de-DE' })
      const page = await context.newPage()
      await signIn(page, 'manager@example.com')
      await page.goto(`${server.url}/admin/segments/new`)
      if (javaScriptEnabled) await expectAccessible(page)
      await page.getByLabel('Name').fill(`Abgewandert ${javaScriptEnabled ? 'mit' : 'ohne'} JS`)
      await page.getByLabel('Merkmal').selectOption('lapse_status')
      // Without JavaScript the field's comparisons and values appear after "Zählen".
      if (!javaScriptEnabled) await page.getByRole('button', { name: 'Zählen' }).click()
      await page.getByLabel('Wert', { exact: true }).waitFor()
      await page.getByLabel('Wert', { exact: true }).selectOption('lapsed')
      if (!javaScriptEnabled) await page.getByRole('button', { name: 'Zählen' }).click()
      const lapsed = (server.db.$client.prepare("SELECT count(*) AS n FROM customer_analysis WHERE lapse_status = 'lapsed'").get() as { n: number }).n
      await expect.poll(() => count(page)).toBe(lapsed)
      await page.getByRole('button', { name: 'Segment speichern' }).click()
      await page.getByRole('heading', { name: `Abgewandert ${javaScriptEnabled ? 'mit' : 'ohne'} JS` }).waitFor()
      if (javaScriptEnabled) await expectAccessible(page)
      await context.close()
    })
  }

  it('lets staff download an export', { timeout: 60_000 }, async () => {
    const context = await browser.newContext({ ...laptop, locale: 'de-DE', acceptDownloads: true })
    const page = await context.newPage()
    await signIn(page, 'staff@example.com')
    await page.getByRole('link', { name: 'Segmente' }).click()
    await expectAccessible(page)
    await page.getByRole('link', { name: 'Angeschrieben, noch keine Antwort' }).click()
    await expectAccessible(page)
    await page.getByLabel('Zweck').selectOption('contact-email')
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Herunterladen' }).click()])
    const text = readFileSync((await download.path())!, 'utf8')
    expect(text.startsWith('\uFEFFcustomer_id;')).toBe(true)
    expect(download.suggestedFilename()).toMatch(/contact-email.*\.csv$/)
    expect(await page.getByRole('link', { name: 'Neues Segment' }).count()).toBe(0)
    await context.close()
  })
})
