import { existsSync } from 'node:fs'
import { AxeBuilder } from '@axe-core/playwright'
import { chromium, type Browser, type Page } from 'playwright-core'
import { expect } from 'vitest'

/** Debian's chromium, as .ci/run installs it. Browser tests skip (saying why) where it is missing. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const hasChromium = existsSync(CHROMIUM)
if (!hasChromium) console.warn(`Skipping browser tests: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH).`)

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
}

export const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }
export const laptop = { viewport: { width: 1366, height: 860 } }

/** axe-core on the page as it is now: no serious or critical WCAG 2.1 AA violation. */
export async function expectAccessible(page: Page): Promise<void> {
  // The app's frames hold mails in a script-less sandbox, where axe cannot run and would wait
  // forever: the frames' own title is checked, then they are taken out and the page is checked.
  const untitled = await page.locator('iframe:not([title])').count()
  expect(untitled, 'every frame needs a title').toBe(0)
  await page.evaluate("document.querySelectorAll('iframe').forEach((f) => f.remove())")
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
  const bad = result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`)
  expect(bad, `accessibility violations on ${page.url()}`).toEqual([])
}

/** Sign in through the German login page (the staff side's default language) and wait for the page it leads to. */
export async function signInGerman(page: Page, baseUrl: string, email: string, password: string, landing = 'Übersicht'): Promise<void> {
  await page.goto(`${baseUrl}/login`)
  await page.getByLabel('E-Mail').fill(email)
  await page.getByLabel('Passwort').fill(password)
  await page.getByRole('button', { name: 'Anmelden' }).click()
  await page.getByRole('heading', { name: landing }).waitFor()
}
