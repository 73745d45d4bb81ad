import { readdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import Negotiator from 'negotiator'
import { makeTranslator, type Catalog, type Translate } from '../domain/i18n.ts'
import en from './en.ts'

/**
 * Every catalogue in this folder, found when the process starts: `de.ts`, `en.ts`, and any
 * language added later as one more file. English is the reference and the fallback.
 */
const here = dirname(fileURLToPath(import.meta.url))
const files = readdirSync(here).filter((f) => /^[a-z]{2,3}(-[A-Z]{2})?\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'))
const catalogs = new Map<string, Partial<Catalog>>()
for (const file of files.sort()) {
  const code = file.replace(/\.(ts|js)$/, '')
  if (catalogs.has(code)) continue
  catalogs.set(code, code === 'en' ? en : ((await import(/* @vite-ignore */ `./${file}`)) as { default: Partial<Catalog> }).default)
}

/** The languages of the staff side, e.g. `['de', 'en']`. */
export const staffLocales: readonly string[] = [...catalogs.keys()]

const translators = new Map<string, Translate>([...catalogs].map(([code, catalog]) => [code, makeTranslator(code, catalog, en)]))

export const isStaffLocale = (code: unknown): code is string => typeof code === 'string' && translators.has(code)

/** The translator for a language; an unknown code gets English. */
export function translator(locale: string): Translate {
  return translators.get(locale) ?? translators.get('en')!
}

/** The catalogues themselves, for the test that compares their keys. */
export function catalogFor(locale: string): Partial<Catalog> | undefined {
  return catalogs.get(locale)
}

/** Each language by its own name (“Deutsch”, “English”), for a language switch. */
export const languageChoices: readonly { code: string; name: string }[] = staffLocales.map((code) => ({
  code,
  name: new Intl.DisplayNames([translator(code).intl], { type: 'language' }).of(code) ?? code,
}))

/** The best staff language for an Accept-Language header, or the fallback. */
export function negotiateLocale(acceptLanguage: string | undefined, fallback: string): string {
  if (!acceptLanguage) return fallback
  return new Negotiator({ headers: { 'accept-language': acceptLanguage } }).language([...staffLocales]) ?? fallback
}
