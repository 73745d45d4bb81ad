import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectAccessible, hasChromium, laptop, launchBrowser, phone, signInGerman } from '../helpers/browser.ts'
import { addUser, PASSWORD } from '../helpers/factories.ts'
import { startServer } from '../helpers/server.ts'

describe.skipIf(!hasChromium)('an admin imports a CSV file and finds the customers, in German (Chromium)', () => {
  let browser: Browser
  let server: Awaited<ReturnType<typeof startServer>>

  beforeAll(async () => {
    browser = await launchBrowser()
    server = await startServer()
    // No language of their own: the pages speak DEFAULT_LOCALE, German.
    await addUser(server.db, 'admin', 'admin@example.com', null)
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  for (const [device, options] of [['laptop', laptop], ['phone', phone]] as const) {
    // A journey through a real browser: 5 s alone, several times that beside the other test files on two cores.
    it(`signs in, uploads, sees the report and searches, on a ${device}`, { timeout: 90_000 }, async () => {
      const context = await browser.newContext({ ...options, locale: 'de-DE' })
      const page = await context.newPage()
      const external: string[] = []
      page.on('request', (r) => {
        if (!r.url().startsWith(server.url)) external.push(r.url())
      })
      await page.goto(`${server.url}/admin/customers`)
      await expect.poll(() => page.url()).toContain('/login?next=')
      await expectAccessible(page)
      expect(await page.locator('html').getAttribute('lang')).toBe('de')
      await page.getByLabel('E-Mail').fill('admin@example.com')
      await page.getByLabel('Passwort').fill(PASSWORD)
      await page.getByRole('button', { name: 'Anmelden' }).click()
      // Back where they were going before signing in.
      await page.getByRole('heading', { name: 'Kunden' }).waitFor()
      expect(await page.locator('html').getAttribute('lang')).toBe('de')
      await expectAccessible(page)

      await page.goto(`${server.url}/admin/imports`)
      await expectAccessible(page)
      const file = join(server.dir, `customers-${device}.csv`)
      const id = device.toUpperCase()
      writeFileSync(file, `customer_id;email;first_name;last_name\n${id}-1;jana.${device}@example.com;Jana;Nowak-${device}\n${id}-2;tom.${device}@example.com;Tom;Berg\n`)
      await page.getByLabel('CSV-Datei', { exact: true }).setInputFiles(file)
      await page.getByRole('button', { name: 'Hochladen und importieren' }).click()
      await page.getByText('Importiert.').waitFor({ timeout: 15_000 })
      await expect.poll(() => page.url()).toMatch(/\/admin\/imports\/[\w-]+$/)
      await expectAccessible(page)

      await page.goto(`${server.url}/admin/customers`)
      // htmx searches as the user types: the rows change without a page load.
      await page.getByLabel('Kunden suchen').fill(`Nowak-${device}`)
      await page.getByRole('link', { name: `Jana Nowak-${device}` }).waitFor()
      await expect.poll(() => page.url()).toContain(`q=Nowak-${device}`)
      await page.getByRole('link', { name: `Jana Nowak-${device}` }).click()
      await page.getByRole('heading', { name: `Jana Nowak-${device}` }).waitFor()
      await expectAccessible(page)
      expect(external).toEqual([])
      await context.close()
    })
  }

  it('works with JavaScript off: plain form posts and links; a user switches to English', { timeout: 90_000 }, async () => {
    const context = await browser.newContext({ ...laptop, javaScriptEnabled: false, locale: 'de-DE' })
    const page = await context.newPage()
    await signInGerman(page, server.url, 'admin@example.com', PASSWORD)
    // Their own language, from the account page: the pages follow at once.
    await page.getByRole('link', { name: /admin@example.com/ }).click()
    await page.getByLabel('English').check()
    await page.getByRole('button', { name: 'Speichern' }).click()
    await page.getByText('Saved. The pages now speak English.').waitFor()
    expect(await page.locator('html').getAttribute('lang')).toBe('en')
    await page.goto(`${server.url}/admin/imports`)
    const file = join(server.dir, 'nojs.csv')
    writeFileSync(file, 'customer_id,first_name,last_name\nNOJS-1,Ida,Ohnescript\n')
    await page.getByLabel('CSV file', { exact: true }).setInputFiles(file)
    await page.getByRole('button', { name: 'Upload and import' }).click()
    // The run page refreshes itself (noscript meta refresh) until the report is there.
    await page.getByText('Imported.').waitFor({ timeout: 15_000 })
    await page.goto(`${server.url}/admin/customers`)
    await page.getByLabel('Search customers').fill('Ohnescript')
    await page.getByRole('button', { name: 'Search' }).click()
    await page.getByRole('link', { name: 'Ida Ohnescript' }).waitFor()
    await context.close()
  })
})
