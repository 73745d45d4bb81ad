import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectAccessible, hasChromium, laptop, launchBrowser, phone } from '../helpers/browser.ts'
import { startServer } from '../helpers/server.ts'
import { customerWithLink } from '../helpers/survey.ts'

describe.skipIf(!hasChromium)('an ex-customer answers the survey on a phone (Chromium)', () => {
  let browser: Browser
  let server: Awaited<ReturnType<typeof startServer>>

  beforeAll(async () => {
    browser = await launchBrowser()
    server = await startServer()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  /** Answer every question as a person would, checking accessibility on each page. */
  async function walk(page: Page, next: RegExp, axe: boolean) {
    // axe-core runs as page script, so it needs JavaScript; the pages without it are the same HTML.
    const check = async () => (axe ? expectAccessible(page) : undefined)
    await check()
    // Submitting nothing shows the message, focused for screen readers.
    await page.getByRole('button', { name: next }).click()
    await page.getByRole('alert').waitFor()
    await check()
    await page.getByLabel(/Delivery problems|Probleme mit der Lieferung/).check()
    await page.getByLabel(/Price too high|Preis zu hoch/).check()
    await page.getByRole('button', { name: next }).click()
    await page.getByText(/main reason|Hauptgrund/).waitFor()
    await check()
    await page.getByLabel(/Delivery problems|Probleme mit der Lieferung/).check()
    await page.getByRole('button', { name: next }).click()
    await page.getByText(/recommend|empfehlen/).waitFor()
    await check()
    await page.getByLabel('8', { exact: true }).check()
    await page.getByRole('button', { name: next }).click()
    await page.getByText(/satisfied|zufrieden/).first().waitFor()
    await page.getByLabel('4', { exact: true }).check()
    await page.getByRole('button', { name: next }).click()
    await page.getByText(/made it easy|leicht gemacht/).waitFor()
    await check()
    await page.getByLabel('6', { exact: true }).check()
    await page.getByRole('button', { name: next }).click()
    await page.getByLabel(/done better|besser machen/).fill('Faster delivery, please')
    await check()
    await page.getByRole('button', { name: next }).click()
    await page.getByText(/contact you again|wieder kontaktieren/).waitFor()
    await check()
    await page.getByLabel(/No, please|Nein, bitte/).check()
    await page.getByRole('button', { name: /Submit|Absenden/ }).click()
    await page.locator('.coupon-code').waitFor()
    await check()
  }

  for (const javaScriptEnabled of [true, false]) {
    it(`from the link to the coupon, JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, { timeout: 60_000 }, async () => {
      const { url } = await customerWithLink(server.db, javaScriptEnabled ? 'JS1' : 'NOJS1', { locale: 'en' })
      const context = await browser.newContext({ ...phone, javaScriptEnabled })
      const page = await context.newPage()
      const external: string[] = []
      page.on('request', (r) => {
        if (!r.url().startsWith(server.url)) external.push(r.url())
      })
      let navigations = 0
      page.on('framenavigated', (f) => {
        if (f === page.mainFrame()) navigations++
      })
      await page.goto(server.url + url)
      await walk(page, /Next|Submit/, javaScriptEnabled)
      const code = await page.locator('.coupon-code').textContent()
      expect(code).toMatch(/^CB-[A-Z2-9]{4}-[A-Z2-9]{4}$/)
      // With htmx the steps swap in place; without it, each step is a page of its own.
      if (javaScriptEnabled) expect(navigations).toBeLessThanOrEqual(3)
      else expect(navigations).toBeGreaterThan(8)
      // Reloading the thank-you page, or opening the link again, shows the same reward.
      await page.goto(server.url + url)
      await page.getByText('Your answers are in').waitFor()
      expect(await page.locator('.coupon-code').textContent()).toBe(code)
      expect(external).toEqual([])
      await context.close()
    })
  }

  it('switches to German and back, and the link-problem page is calm and accessible', async () => {
    const { url } = await customerWithLink(server.db, 'LANG1', { locale: 'en' })
    const context = await browser.newContext(laptop)
    const page = await context.newPage()
    await page.goto(server.url + url)
    await page.getByRole('link', { name: /Deutsch/ }).click()
    await page.getByText('Warum kaufen Sie nicht mehr bei uns?').waitFor()
    expect(await page.locator('html').getAttribute('lang')).toBe('de')
    await page.goto(`${server.url}/s/${'Q'.repeat(32)}`)
    await page.getByText('Dieser Link ist nicht (mehr) gültig').waitFor()
    await expectAccessible(page)
    await context.close()
  })
})
