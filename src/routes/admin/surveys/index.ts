import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { viewLocals } from '../../../plugins/i18n.ts'
import { z } from 'zod'
import { AppError, notFound } from '../../../domain/errors.ts'
import { questionTypes, type Answers, type SurveyDefinition } from '../../../domain/survey.ts'
import { getSurvey, listSurveys } from '../../../repos/surveys.ts'
import { getBrand } from '../../../services/settings.ts'
import { definitionFromForm, formFromDefinition, questionCount, withBlankQuestion, type SurveyForm } from '../../../services/survey-form.ts'
import { stepView } from '../../../services/survey-page.ts'
import { createSurvey, currentVersion, definitionOf, ensureDefaultSurvey, saveSurveyVersion, SURVEY_NAME_MAX } from '../../../services/surveys.ts'

const idParams = z.object({ id: z.coerce.number().int().positive() })
const formBody = z.record(z.string(), z.string().max(20_000))

/** /admin/surveys: surveys, the editor (every save a new version) and a preview. Managers and admins. */
const surveyRoutes: FastifyPluginAsync = async (app) => {
  const managers = { preHandler: app.requireUser('admin', 'manager') }

  app.get('/', managers, async (req, reply) => {
    ensureDefaultSurvey(app.db)
    return reply.view('admin/surveys/index', { title: req.t('surveys.title'), surveys: listSurveys(app.db), nameMax: SURVEY_NAME_MAX })
  })

  app.post('/', managers, async (req, reply) => {
    const { name = '' } = formBody.parse(req.body)
    try {
      const id = createSurvey(app.db, name, req.user!.email)
      return reply.redirect(`/admin/surveys/${id}`, 303)
    } catch (e) {
      if (!(e instanceof AppError)) throw e
      return reply.code(400).view('admin/surveys/index', { title: req.t('surveys.title'), surveys: listSurveys(app.db), error: e.note, name, nameMax: SURVEY_NAME_MAX })
    }
  })

  function editor(req: FastifyRequest, reply: FastifyReply, surveyId: number, form: SurveyForm, extra: Record<string, unknown> = {}) {
    const survey = getSurvey(app.db, surveyId)
    if (!survey) throw notFound('survey')
    const version = currentVersion(app.db, surveyId)
    const count = questionCount(form)
    return reply.view('admin/surveys/edit', { title: req.t('surveys.editTitle', { name: viewLocals(req.t).fmt.surveyName(survey.name) }), survey, version, form, count, types: questionTypes, nameMax: SURVEY_NAME_MAX, ...extra })
  }

  app.get('/:id', managers, async (req, reply) => {
    const { id } = idParams.parse(req.params)
    const saved = z.object({ saved: z.coerce.number().int().optional().catch(undefined) }).parse(req.query).saved
    return editor(req, reply, id, formFromDefinition(definitionOf(currentVersion(app.db, id))), { saved })
  })

  app.post('/:id', managers, async (req, reply) => {
    const { id } = idParams.parse(req.params)
    if (!getSurvey(app.db, id)) throw notFound('survey')
    const form = formBody.parse(req.body)
    // "Add a question" re-shows the form with a blank question; nothing is saved yet.
    try {
      if (form.action === 'add') return editor(req, reply, id, withBlankQuestion(form))
      const version = saveSurveyVersion(app.db, id, definitionFromForm(form), req.user!.email, form.name)
      return reply.redirect(`/admin/surveys/${id}?saved=${version.version}`, 303)
    } catch (e) {
      if (!(e instanceof AppError)) throw e
      return editor(req, reply.code(400), id, form, { error: e.note })
    }
  })

  app.get('/:id/preview', managers, async (req, reply) => {
    const { id } = idParams.parse(req.params)
    const locale = z.object({ lang: z.enum(['de', 'en']).catch('de') }).parse(req.query).lang
    const survey = getSurvey(app.db, id)
    if (!survey) throw notFound('survey')
    const definition = definitionOf(currentVersion(app.db, id))
    const company = getBrand(app.db).name
    const answers = previewAnswers(definition)
    const steps = definition.questions.map((question) => ({
      showIf: question.showIf
        ? { kind: question.showIf.includes !== undefined ? 'includes' : 'equals', question: question.showIf.question, value: question.showIf.includes ?? question.showIf.equals }
        : question.type === 'main_of'
          ? { kind: 'mainOf', question: question.of }
          : null,
      view: stepView({ definition, answers, question, locale, company, path: null, started: false, error: null }),
    }))
    return reply.view('admin/surveys/preview', { title: req.t('surveys.previewOf', { name: viewLocals(req.t).fmt.surveyName(survey.name) }), survey, steps, locale })
  })
}

/** Answers under which every question shows in the preview: all choices of each multiple choice. */
function previewAnswers(def: SurveyDefinition): Answers {
  const answers: Answers = {}
  for (const q of def.questions) if (q.type === 'multi') answers[q.key] = { values: (q.options ?? []).map((o) => o.value) }
  return answers
}

export default surveyRoutes
