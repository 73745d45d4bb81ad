import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { formatMoney } from '../../domain/format.ts'
import { translator } from '../../domain/i18n.ts'
import type { Locale } from '../../domain/import-records.ts'
import { isVisible, nextQuestion, progress, scaleOf, text, type AnswerError, type Question } from '../../domain/survey.ts'
import { answerQuestion, openSurveyLink, type SurveySession } from '../../services/respond.ts'
import { rewardView } from '../../services/rewards.ts'
import { BadTokenLimiter, personalPageHeaders } from './token-guard.ts'

const params = z.object({ token: z.string().max(100) })
const lang = z.enum(['de', 'en']).optional().catch(undefined)
const pageQuery = z.object({ lang, q: z.string().max(40).optional(), done: z.string().optional() })
const answerBody = z.object({
  question: z.string().max(40).default(''),
  q: z.union([z.string().max(100), z.array(z.string().max(100)).max(40)]).optional(),
  other: z.string().max(5000).optional(),
  lang,
})

export interface SurveyRouteOptions {
  badTokens?: BadTokenLimiter
}

/** /s/:token — the survey behind a personal link, one question at a time, with or without JavaScript. */
const surveyRoutes: FastifyPluginAsync<SurveyRouteOptions> = async (app, options) => {
  const badTokens = options.badTokens ?? new BadTokenLimiter()
  app.addHook('onRequest', personalPageHeaders)

  /** The session behind the token, or the calm link page (the same for unknown and expired links). */
  function sessionOr(req: FastifyRequest, reply: FastifyReply, token: string, locale: Locale | undefined): SurveySession | null {
    if (badTokens.blocked(req.ip)) {
      reply.code(429).view('public/link-problem', linkProblem(locale ?? app.config.defaultLocale, true))
      return null
    }
    const session = openSurveyLink(app.db, token)
    if (!session) {
      badTokens.fail(req.ip)
      reply.code(404).view('public/link-problem', linkProblem(locale ?? app.config.defaultLocale, false))
    }
    return session
  }

  app.get('/s/:token', async (req, reply) => {
    const { token } = params.parse(req.params)
    const query = pageQuery.parse(req.query)
    const session = sessionOr(req, reply, token, query.lang)
    if (!session) return reply
    const locale = query.lang ?? session.response?.locale ?? session.customer.locale
    if (session.response?.status === 'complete') {
      return reply.view('public/thanks', thanks(session, locale, token, query.done !== undefined))
    }
    // A question asked for by name (the back link) if it is shown; else where the respondent left off.
    const asked = query.q ? session.definition.questions.find((q) => q.key === query.q && isVisible(q, session.answers)) : undefined
    const question = asked ?? nextQuestion(session.definition, session.answers)!
    const data = step(session, question, locale, token, null)
    if (req.isHtmx && req.headers['hx-target'] === 'survey-step') return reply.view('public/_step', data)
    return reply.view('public/survey', data)
  })

  app.post('/s/:token', async (req, reply) => {
    const { token } = params.parse(req.params)
    const body = answerBody.parse(req.body ?? {})
    const session = sessionOr(req, reply, token, body.lang)
    if (!session) return reply
    const locale = body.lang ?? session.response?.locale ?? session.customer.locale
    const outcome = answerQuestion(app.db, session, body.question, { q: body.q, other: body.other }, locale)
    if ('error' in outcome) {
      const question = session.definition.questions.find((q) => q.key === body.question && isVisible(q, session.answers)) ?? nextQuestion(session.definition, session.answers)
      if (!question) return reply.redirect(`/s/${token}?lang=${locale}`, 303)
      const data = step(session, question, locale, token, outcome.error, body)
      // htmx swaps the step with its message in place; a plain form post gets the page again.
      if (req.isHtmx) return reply.view('public/_step', data)
      return reply.code(422).view('public/survey', data)
    }
    const next = `/s/${token}?lang=${locale}${outcome.done ? '&done=1' : ''}`
    // The thank-you page is a page of its own: htmx navigates to it instead of swapping it in.
    if (req.isHtmx && outcome.done) return reply.header('HX-Redirect', next).code(204).send()
    return reply.redirect(next, 303)
  })

  function step(session: SurveySession, question: Question, locale: Locale, token: string, error: AnswerError | null, posted?: { q?: string | string[]; other?: string }) {
    const t = translator(locale)
    const tx = (l: { de: string; en: string }) => text(l, locale, session.company)
    const { index, total } = progress(session.definition, session.answers, question.key)
    const visible = session.definition.questions.filter((q) => isVisible(q, session.answers))
    const at = visible.findIndex((q) => q.key === question.key)
    const previous = at > 0 ? visible[at - 1] : undefined
    const saved = posted ? posted.q : (session.answers[question.key] as unknown)
    const chosen = new Set<string>(
      saved === undefined || saved === null
        ? []
        : typeof saved === 'object' && !Array.isArray(saved) && 'values' in (saved as object)
          ? (saved as { values: string[] }).values
          : (Array.isArray(saved) ? saved : [String(saved)]).map(String),
    )
    const otherText = posted?.other ?? ((saved as { other?: string } | null)?.other ?? '')
    let options: { value: string; label: string }[] = []
    if (question.type === 'main_of') {
      const of = session.definition.questions.find((q) => q.key === question.of)!
      const picked = (session.answers[of.key] as { values: string[]; other?: string }).values
      options = picked.map((v) => ({ value: v, label: v === 'other' ? t('otherLabel') : tx(of.options!.find((o) => o.value === v)!.label) }))
    } else if (question.options) {
      options = question.options.map((o) => ({ value: o.value, label: tx(o.label) }))
    }
    const scale = ['nps', 'csat', 'ces', 'rating'].includes(question.type) ? scaleOf(question) : null
    const ends =
      question.type === 'nps' ? [t('npsLow'), t('npsHigh')] : question.type === 'csat' ? [t('csatLow'), t('csatHigh')] : question.type === 'ces' ? [t('cesLow'), t('cesHigh')] : question.scale ? [tx(question.scale.minLabel), tx(question.scale.maxLabel)] : null
    return {
      lang: locale,
      t,
      title: tx(session.definition.title),
      intro: index === 1 && !session.response ? tx(session.definition.intro) : null,
      company: session.company,
      token,
      question: {
        key: question.key,
        type: question.type,
        label: tx(question.label),
        help: question.help ? tx(question.help) : null,
        required: question.required,
        options,
        allowOther: question.allowOther === true,
        scale: scale ? Array.from({ length: scale.max - scale.min + 1 }, (_, i) => scale.min + i) : null,
        ends,
      },
      chosen,
      otherText,
      error: error ? t(error) : null,
      index,
      total,
      isLast: index === total,
      backHref: previous ? `/s/${token}?lang=${locale}&q=${previous.key}` : null,
      switchHref: `/s/${token}?lang=${locale === 'de' ? 'en' : 'de'}${question.key ? `&q=${question.key}` : ''}`,
    }
  }

  function thanks(session: SurveySession, locale: Locale, token: string, justDone: boolean) {
    const t = translator(locale)
    const reward = rewardView(app.db, session.response!.id)
    return {
      lang: locale,
      t,
      title: t(justDone ? 'thanksTitle' : 'alreadyTitle'),
      justDone,
      company: session.company,
      reward,
      money: (cents: number, currency: string) => formatMoney(cents, currency, locale),
      switchHref: `/s/${token}?lang=${locale === 'de' ? 'en' : 'de'}`,
      date: (iso: string) => new Date(iso).toLocaleDateString(locale === 'de' ? 'de-DE' : 'en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }),
    }
  }

  function linkProblem(locale: Locale, limited: boolean) {
    const t = translator(locale)
    return { lang: locale, t, title: t('linkTitle'), limited }
  }
}

export default surveyRoutes
