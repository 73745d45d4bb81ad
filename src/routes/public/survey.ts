import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { formatLongDate, formatMoney } from '../../domain/format.ts'
import { translator } from '../../locales/index.ts'
import type { Translate } from '../../domain/i18n.ts'
import type { Locale } from '../../domain/import-records.ts'
import { ANSWER_LIMITS, isVisible, nextQuestion } from '../../domain/survey.ts'
import { answerQuestion, noteFirstOpen, openSurveyLink, type SurveySession } from '../../services/respond.ts'
import { getMessageByDedupeKey } from '../../repos/messages.ts'
import { rewardView } from '../../services/rewards.ts'
import { stepView } from '../../services/survey-page.ts'
import type { FailureLimiter } from '../../domain/failure-limiter.ts'
import { badTokenLimiter, BUSY, personalPageHeaders, resolveToken, writeOrBusy } from './token-guard.ts'

const params = z.object({ token: z.string().max(100) })
const lang = z.enum(['de', 'en']).optional().catch(undefined)
const pageQuery = z.object({ lang, q: z.string().max(40).optional(), done: z.string().optional() })
// Text longer than its limit still parses (the body limit bounds it): the step shows it again with
// the "too long" message instead of losing it.
const answerBody = z.object({
  question: z.string().max(ANSWER_LIMITS.value).default(''),
  q: z.union([z.string(), z.array(z.string().max(ANSWER_LIMITS.value)).max(ANSWER_LIMITS.choices)]).optional(),
  other: z.string().optional(),
  lang,
})

/** A step's form: a few answers of at most ANSWER_LIMITS.text characters, in UTF-8 and URL-encoded. */
const SURVEY_BODY_LIMIT = 64 * 1024

export interface SurveyRouteOptions {
  badTokens?: FailureLimiter
}

/** /s/:token — the survey behind a personal link, one question at a time, with or without JavaScript. */
const surveyRoutes: FastifyPluginAsync<SurveyRouteOptions> = async (app, options) => {
  const badTokens = options.badTokens ?? badTokenLimiter()
  app.addHook('onRequest', personalPageHeaders)

  const sessionOr = (req: FastifyRequest, reply: FastifyReply, token: string, locale: Locale | undefined) =>
    resolveToken(req, reply, badTokens, locale ?? app.config.defaultLocale, () => openSurveyLink(app.db, token))

  // A link's first open is noted once its page is on its way: the respondent does not wait for
  // that write, a good part of a first view's own time.
  const openedNow = new WeakMap<FastifyRequest, SurveySession>()
  app.addHook('onResponse', async (req) => {
    const session = openedNow.get(req)
    if (session) noteFirstOpen(app.db, session)
  })

  app.get('/s/:token', async (req, reply) => {
    const { token } = params.parse(req.params)
    const query = pageQuery.parse(req.query)
    const session = sessionOr(req, reply, token, query.lang)
    if (!session) return reply
    if (!session.member.openedAt) openedNow.set(req, session)
    const locale = query.lang ?? session.response?.locale ?? session.customer.locale
    if (session.response?.status === 'complete') {
      return reply.view('public/thanks', thanks(session, locale, token, query.done !== undefined))
    }
    // A question asked for by name (the back link) if it is shown; else where the respondent left off.
    const asked = query.q ? session.definition.questions.find((q) => q.key === query.q && isVisible(q, session.answers)) : undefined
    const question = asked ?? nextQuestion(session.definition, session.answers)!
    const data = stepView({ ...fromSession(session, token), question, locale, error: null })
    if (req.isHtmx && req.headers['hx-target'] === 'survey-step') return reply.view('public/_step', data)
    return reply.view('public/survey', data)
  })

  app.post('/s/:token', { bodyLimit: SURVEY_BODY_LIMIT }, async (req, reply) => {
    const { token } = params.parse(req.params)
    const body = answerBody.parse(req.body ?? {})
    const session = sessionOr(req, reply, token, body.lang)
    if (!session) return reply
    const locale = body.lang ?? session.response?.locale ?? session.customer.locale
    noteFirstOpen(app.db, session)
    const saved = writeOrBusy(req, reply, 'survey answer', () => answerQuestion(app.db, session, body.question, { q: body.q, other: body.other }, locale))
    // Not saved (the database busy): the step comes back with the answer in it and a word to send it again.
    const outcome = saved === BUSY ? { error: 'busy' as const } : saved
    if ('error' in outcome) {
      const question = session.definition.questions.find((q) => q.key === body.question && isVisible(q, session.answers)) ?? nextQuestion(session.definition, session.answers)
      if (!question) return reply.redirect(`/s/${token}?lang=${locale}`, 303)
      const data = stepView({ ...fromSession(session, token), question, locale, error: outcome.error, posted: body })
      // htmx swaps the step with its message in place (it swaps only a 200); a plain form post gets the page again.
      if (req.isHtmx) return reply.code(200).view('public/_step', data)
      return reply.code(outcome.error === 'busy' ? 503 : 422).view('public/survey', data)
    }
    const next = `/s/${token}?lang=${locale}${outcome.done ? '&done=1' : ''}`
    // The thank-you page is a page of its own: htmx navigates to it instead of swapping it in.
    if (outcome.done) app.mailSender.kick()
    if (req.isHtmx && outcome.done) return reply.header('HX-Redirect', next).code(204).send()
    return reply.redirect(next, 303)
  })

  function fromSession(session: SurveySession, token: string) {
    return { definition: session.definition, answers: session.answers, company: session.company, started: session.response !== null, path: `/s/${token}` }
  }

  function thanks(session: SurveySession, locale: Locale, token: string, justDone: boolean) {
    const t = translator(locale)
    const reward = rewardView(app.db, session.response!.id)
    const responseId = session.response!.id
    return {
      rewardMailed: getMessageByDedupeKey(app.db, `reward:${responseId}`) !== undefined,
      optInRequested: optInAsked(session),
      lang: locale,
      t,
      title: t(justDone ? 'public.thanksTitle' : 'public.alreadyTitle'),
      justDone,
      company: session.company,
      reward,
      money: (cents: number, currency: string) => formatMoney(cents, currency, locale),
      switchHref: `/s/${token}?lang=${locale === 'de' ? 'en' : 'de'}`,
      date: (iso: string) => formatLongDate(iso, locale),
    }
  }

  /** Whether the contact answer asked for email, so that the page can say to look for the confirmation mail. */
  function optInAsked(session: SurveySession): boolean {
    const q = session.definition.questions.find((x) => x.type === 'consent')
    const a = q ? session.answers[q.key] : undefined
    return a === 'email' || a === 'both'
  }
}

export default surveyRoutes
