import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Translate } from '../domain/i18n.ts'
import { formatter, type Formatter } from '../domain/format.ts'
import { isStaffLocale, languageChoices, negotiateLocale, translator } from '../locales/index.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The staff side's language for this request: the signed-in user's choice, else DEFAULT_LOCALE;
     * before sign-in, the browser's Accept-Language (or `?lang=`). Worked out on first use only.
     */
    readonly t: Translate
  }
}

const formatters = new Map<string, Formatter>()

/** What every staff template needs to speak the reader's language: `lang`, `t`, `fmt`, `languages`. */
export function viewLocals(t: Translate) {
  let fmt = formatters.get(t.locale)
  if (!fmt) formatters.set(t.locale, (fmt = formatter(t)))
  return { lang: t.locale, t, fmt, languages: languageChoices }
}

export default fp(
  async (app) => {
    const fallback = app.config.defaultLocale
    function localeOf(req: FastifyRequest): string {
      if (req.user) return isStaffLocale(req.user.locale) ? req.user.locale : fallback
      const asked = (req.query as { lang?: unknown } | undefined)?.lang ?? (req.body as { lang?: unknown } | undefined)?.lang
      if (isStaffLocale(asked)) return asked
      return negotiateLocale(req.headers['accept-language'], fallback)
    }
    const cache = new WeakMap<FastifyRequest, Translate>()
    app.decorateRequest('t', {
      getter(this: FastifyRequest) {
        let t = cache.get(this)
        if (!t) cache.set(this, (t = translator(localeOf(this))))
        return t
      },
    })
  },
  { name: 'i18n', dependencies: ['auth'] },
)
