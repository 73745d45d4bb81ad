import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import en from '../../src/locales/en.ts'
import { catalogFor, staffLocales } from '../../src/locales/index.ts'

/**
 * The catalogues: every language has every key with the same placeholders, and every key the
 * code or a template asks for exists. Keys are found where they are used: `t('…')`,
 * `t.plural('…')`, `note('…')`, `new AppError('…')`, and the validation, error, import and note
 * keys (`'v.…'`, `'err.…'`, `'import.…'`, `'note.…'`) wherever they appear; a key built from a
 * prefix (`t('builder.kind.' + kind)`, `` t(`status.${s}`) ``) needs at least one key under it.
 */

const keys = new Set(Object.keys(en))
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(ext))
    .map((f) => join(dir, f))
}
const sources = [...filesUnder('src', '.ts'), ...filesUnder('views', '.eta')].filter((f) => !f.startsWith(join('src', 'locales')))

function usedKeys() {
  const exact = new Map<string, string>()
  const plurals = new Map<string, string>()
  const prefixes = new Map<string, string>()
  for (const file of sources) {
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(/\b(?:t|note|AppError)\(\s*'([\w.]+)'(\s*\+)?/g)) (m[2] ? prefixes : exact).set(m[1]!, file)
    for (const m of text.matchAll(/\b(?:t|note)\(\s*`([\w.]+)\$\{/g)) prefixes.set(m[1]!, file)
    for (const m of text.matchAll(/\bt\(\s*[^,()]*?\?\s*'([\w.]+)'\s*:\s*'([\w.]+)'/g)) exact.set(m[1]!, file).set(m[2]!, file)
    for (const m of text.matchAll(/\bplural\(\s*'([\w.]+)'/g)) plurals.set(m[1]!, file)
    for (const m of text.matchAll(/'((?:v|err|import|note|rules)\.[\w.]+)'/g)) exact.set(m[1]!, file)
  }
  return { exact, plurals, prefixes }
}

describe('catalogues', () => {
  it('has German and English, found as files', () => {
    expect(staffLocales).toEqual(expect.arrayContaining(['de', 'en']))
  })

  for (const locale of staffLocales.filter((l) => l !== 'en')) {
    it(`${locale} has exactly the English keys, with the same placeholders`, () => {
      const catalog = catalogFor(locale) as Record<string, string>
      expect(Object.keys(catalog).filter((k) => !keys.has(k)), 'keys English lacks').toEqual([])
      expect([...keys].filter((k) => !(k in catalog)), 'keys missing').toEqual([])
      const mismatched = [...keys].filter((k) => k !== 'meta.intl' && placeholders(catalog[k]!).join() !== placeholders((en as Record<string, string>)[k]!).join())
      expect(mismatched, 'placeholders differ').toEqual([])
    })
  }

  it('has every key that the code and the templates use', () => {
    const { exact, plurals, prefixes } = usedKeys()
    expect(exact.size).toBeGreaterThan(300)
    const missing = [
      ...[...exact].filter(([k]) => !keys.has(k)).map(([k, f]) => `${k} (${f})`),
      ...[...plurals].filter(([k]) => !keys.has(`${k}.other`)).map(([k, f]) => `${k}.other (${f})`),
      ...[...prefixes].filter(([p]) => ![...keys].some((k) => k.startsWith(p))).map(([p, f]) => `${p}… (${f})`),
    ]
    expect(missing).toEqual([])
  })

  it('has no key that nothing uses', () => {
    const { exact, plurals, prefixes } = usedKeys()
    // Stored values are labelled by prefix in domain/format.ts (`label('status', s)`), and field names by path (`field.<scope>.…`).
    const format = readFileSync('src/domain/format.ts', 'utf8')
    for (const m of format.matchAll(/label\('([\w.]+)'/g)) prefixes.set(`${m[1]}.`, 'format')
    prefixes.set('field.', 'errors').set('error.heading.', 'app').set('what.', 'errors').set('campaignStatus.', 'campaign').set('campaignVerb.', 'campaign').set('meta.', 'i18n').set('evidence.import', 'import-stage (SQL)').set('evidence.erasedAddress', 'import-stage (SQL)')
    const unused = [...keys].filter((k) => !exact.has(k) && !plurals.has(k.replace(/\.(zero|one|two|few|many|other)$/, '')) && ![...prefixes.keys()].some((p) => k.startsWith(p)))
    expect(unused).toEqual([])
  })
})
