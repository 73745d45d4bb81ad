import type en from '../locales/en.ts'

/**
 * Translation without I/O: a catalogue is a flat table of keys (`customers.title`) to texts with
 * `{name}` placeholders. A key ending in `.one` / `.other` (and `.zero`, `.two`, `.few`, `.many`
 * where a language needs them) is a plural, chosen by `Intl.PluralRules`. The English catalogue
 * defines the keys; every other catalogue must have the same ones (a test checks).
 *
 * Written by hand rather than with i18next or FormatJS: the lookup and placeholder filling are
 * a few lines, and numbers, money, dates and plural rules all come from `Intl`.
 */
export type MessageKey = keyof typeof en
export type Catalog = { readonly [K in MessageKey]: string }
export type MessageParams = Readonly<Record<string, string | number>>
/** The keys of plural messages, without their `.one` / `.other` ending. */
export type PluralKey = MessageKey extends infer K ? (K extends `${infer P}.other` ? P : never) : never

export interface Translate {
  (key: MessageKey, params?: MessageParams): string
  /** `{n}` in the message is the count, formatted for the language. */
  plural(key: PluralKey, count: number, params?: MessageParams): string
  /** The catalogue's language code, e.g. `de`. */
  readonly locale: string
  /** The BCP 47 tag for `Intl`, e.g. `de-DE`. */
  readonly intl: string
}

export function interpolate(text: string, params: MessageParams = {}): string {
  return text.includes('{') ? text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole)) : text
}

/** A translator over one catalogue; a key it lacks comes from the fallback (English), so a half-done catalogue still works. */
export function makeTranslator(locale: string, catalog: Partial<Catalog>, fallback: Catalog): Translate {
  const intl = catalog['meta.intl'] ?? locale
  const rules = new Intl.PluralRules(intl)
  const numbers = new Intl.NumberFormat(intl)
  const lookup = (key: string) => (catalog as Record<string, string>)[key] ?? (fallback as Record<string, string>)[key] ?? key
  const t = ((key: MessageKey, params?: MessageParams) => interpolate(lookup(key), params)) as Translate
  const plural = (key: PluralKey, count: number, params: MessageParams = {}) => {
    const form = `${key}.${rules.select(count)}`
    const text = form in catalog || form in fallback ? lookup(form) : lookup(`${key}.other`)
    return interpolate(text, { ...params, n: numbers.format(count) })
  }
  return Object.assign(t, { plural, locale, intl })
}
