// A floor for the survey page and its answer: the page's own work (the same reads through the
// app's code, the same view data and the same compiled template; for an answer, the same write
// and redirect) behind a bare Fastify route, without the app's plugins and hooks (sessions,
// CSRF, security headers, i18n, logging, validation). Needs the built app (dist).
import formbody from '@fastify/formbody'
import Fastify from 'fastify'
import { Eta } from 'eta'
import { openDatabase } from '../../dist/db/client.js'
import { nextQuestion } from '../../dist/domain/survey.js'
import { viewsDir } from '../../dist/paths.js'
import { answerQuestion, noteFirstOpen, openSurveyLink } from '../../dist/services/respond.js'
import { stepView } from '../../dist/services/survey-page.js'

const [port, dbFile] = process.argv.slice(2)
const db = openDatabase(dbFile)
const eta = new Eta({ views: viewsDir, cache: true, autoEscape: true, autoTrim: false })
const app = Fastify({ logger: false })
await app.register(formbody)
app.get('/bare', async () => 'ok')
app.get('/s/:token', async (req, reply) => {
  const token = req.params.token
  const session = openSurveyLink(db, token)
  if (!session) return reply.code(404).send('unknown link')
  const locale = session.response?.locale ?? session.customer.locale
  const question = nextQuestion(session.definition, session.answers)
  const data = stepView({ definition: session.definition, answers: session.answers, company: session.company, started: session.response !== null, path: `/s/${token}`, question, locale, error: null })
  reply.type('text/html; charset=utf-8').send(eta.render('public/survey', { ...data, e: eta.config.escapeFunction }))
  // As the app does: the first open is noted once the page is on its way.
  noteFirstOpen(db, session)
  return reply
})
app.post('/s/:token', async (req, reply) => {
  const token = req.params.token
  const session = openSurveyLink(db, token)
  if (!session) return reply.code(404).send('unknown link')
  const locale = session.response?.locale ?? session.customer.locale
  noteFirstOpen(db, session)
  const outcome = answerQuestion(db, session, req.body.question, { q: req.body.q, other: req.body.other }, locale)
  if ('error' in outcome) return reply.code(422).send(outcome.error)
  return reply.redirect(`/s/${token}?lang=${locale}${outcome.done ? '&done=1' : ''}`, 303)
})
await app.listen({ host: '127.0.0.1', port: Number(port) })
process.send?.('ready')
