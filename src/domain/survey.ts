import { z } from 'zod'
import type { Locale } from './import-records.ts'

/**
 * Surveys as data: question types, show-if conditions, texts in German and English, and the
 * rules for reading and checking one answer from a form. The default survey is SPEC §6.
 */

const localized = z.object({ de: z.string().trim().min(1).max(1000), en: z.string().trim().min(1).max(1000) })
export type Localized = z.infer<typeof localized>

export const questionTypes = ['single', 'multi', 'main_of', 'nps', 'csat', 'ces', 'rating', 'text', 'consent'] as const
export type QuestionType = (typeof questionTypes)[number]

const option = z.object({ value: z.string().regex(/^[a-z0-9_]{1,40}$/, 'v.optionId'), label: localized })

export const questionSchema = z.object({
  key: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'v.questionId'),
  type: z.enum(questionTypes),
  label: localized,
  help: localized.optional(),
  required: z.boolean(),
  options: z.array(option).max(30).optional(),
  /** single/multi: an "other" choice with a free-text field. */
  allowOther: z.boolean().optional(),
  /** main_of: the multi question whose choices it asks to pick the main one from (shown when 2+ were chosen). */
  of: z.string().optional(),
  /** Shown only when an earlier answer matches. */
  showIf: z.object({ question: z.string(), equals: z.string().optional(), includes: z.string().optional() }).optional(),
  /** rating: the scale and its end labels. */
  scale: z.object({ min: z.number().int().min(0).max(1), max: z.number().int().min(2).max(10), minLabel: localized, maxLabel: localized }).optional(),
  /** A churn-reason question: its answers feed the churn-reason dashboards and segments. */
  churnReason: z.boolean().optional(),
})
export type Question = z.infer<typeof questionSchema>

/** The survey the app creates for itself; found by this name, and shown under its name in the reader's language. */
export const DEFAULT_SURVEY_NAME = 'Default survey'

/** The most questions a survey may have: the editor's form and the definition schema both keep to it. */
export const MAX_QUESTIONS = 40

export const surveyDefinitionSchema = z
  .object({
    title: localized,
    intro: localized,
    questions: z.array(questionSchema).min(1).max(MAX_QUESTIONS),
  })
  .superRefine((def, ctx) => {
    const seen = new Set<string>()
    def.questions.forEach((q, i) => {
      if (seen.has(q.key)) ctx.addIssue({ code: 'custom', path: ['questions', i, 'key'], message: 'v.keyTwice', params: { key: q.key } })
      if (q.showIf && !seen.has(q.showIf.question)) {
        ctx.addIssue({ code: 'custom', path: ['questions', i, 'showIf'], message: 'v.earlierOnly', params: { key: q.key } })
      }
      if (q.type === 'main_of' && (!q.of || !seen.has(q.of))) {
        ctx.addIssue({ code: 'custom', path: ['questions', i, 'of'], message: 'v.mainOfEarlier', params: { key: q.key } })
      }
      if ((q.type === 'single' || q.type === 'multi') && !(q.options && q.options.length >= 2)) {
        ctx.addIssue({ code: 'custom', path: ['questions', i, 'options'], message: 'v.twoOptions', params: { key: q.key } })
      }
      seen.add(q.key)
    })
  })
export type SurveyDefinition = z.infer<typeof surveyDefinitionSchema>

export type Answers = Record<string, unknown>
export interface ChoiceAnswer {
  values: string[]
  other?: string
}

const t = (de: string, en: string): Localized => ({ de, en })

/** The churn reasons of SPEC §6, in the order shown. */
export const churnReasons = [
  { value: 'price', label: t('Preis zu hoch', 'Price too high') },
  { value: 'better_offer', label: t('Besseres Angebot woanders gefunden', 'Found a better offer elsewhere') },
  { value: 'quality', label: t('Produktqualität', 'Product quality') },
  { value: 'range', label: t('Sortiment passt nicht mehr', 'Range no longer fits') },
  { value: 'delivery', label: t('Probleme mit der Lieferung', 'Delivery problems') },
  { value: 'service', label: t('Unzufrieden mit dem Service', 'Dissatisfied with service') },
  { value: 'complaint', label: t('Reklamation nicht gelöst', 'Complaint not resolved') },
  { value: 'personal', label: t('Persönliche Situation hat sich geändert (Familie, Beruf, Umzug)', 'Personal situation changed (family, job, move)') },
  { value: 'needs', label: t('Bedarf oder Interessen haben sich geändert', 'Needs or interests changed') },
  { value: 'no_reason', label: t('Kein besonderer Grund / vergessen', 'No particular reason / forgot') },
] as const

export const contactOptions = [
  { value: 'email', label: t('Ja, per E-Mail', 'Yes, by email') },
  { value: 'phone', label: t('Ja, per Telefon', 'Yes, by phone') },
  { value: 'both', label: t('Ja, per E-Mail und Telefon', 'Yes, by email and phone') },
  { value: 'no', label: t('Nein, bitte kontaktieren Sie mich nicht mehr', 'No, please do not contact me again') },
]

export const defaultSurvey: SurveyDefinition = {
  title: t('Schade, dass wir Sie vermissen', 'We miss you'),
  intro: t(
    'Sie haben länger nicht bei uns bestellt. Verraten Sie uns in 2–3 Minuten, warum? Als Dankeschön gibt es am Ende eine kleine Belohnung.',
    'You have not ordered from us for a while. Would you tell us why, in 2–3 minutes? There is a small thank-you at the end.',
  ),
  questions: [
    {
      key: 'reasons',
      type: 'multi',
      label: t('Warum kaufen Sie nicht mehr bei uns?', 'Why have you stopped buying from us?'),
      help: t('Wählen Sie alles, was zutrifft.', 'Choose all that apply.'),
      required: true,
      options: [...churnReasons],
      allowOther: true,
      churnReason: true,
    },
    {
      key: 'main_reason',
      type: 'main_of',
      of: 'reasons',
      label: t('Und was ist der Hauptgrund?', 'And which is the main reason?'),
      required: true,
      churnReason: true,
    },
    {
      key: 'competitor',
      type: 'text',
      label: t('Was macht der andere Anbieter besser?', 'What does the other shop do better?'),
      required: false,
      showIf: { question: 'reasons', includes: 'better_offer' },
    },
    {
      key: 'nps',
      type: 'nps',
      label: t(
        'Wie wahrscheinlich ist es, dass Sie uns einem Freund oder Kollegen empfehlen?',
        'How likely are you to recommend us to a friend or colleague?',
      ),
      required: true,
    },
    { key: 'csat', type: 'csat', label: t('Wie zufrieden waren Sie insgesamt mit uns?', 'How satisfied were you with us overall?'), required: true },
    {
      key: 'ces',
      type: 'ces',
      label: t('{company} hat es mir leicht gemacht, meine Anliegen zu erledigen.', '{company} made it easy for me to handle my concerns.'),
      required: true,
    },
    { key: 'improve', type: 'text', label: t('Was hätten wir besser machen können?', 'What could we have done better?'), required: false },
    {
      key: 'contact',
      type: 'consent',
      label: t('Dürfen wir Sie wieder kontaktieren, und wie?', 'May we contact you again, and how?'),
      help: t(
        'Sie können diese Einwilligung jederzeit widerrufen, z. B. über den Abmeldelink in jeder E-Mail.',
        'You can withdraw this consent at any time, for example with the unsubscribe link in every email.',
      ),
      required: true,
      options: contactOptions,
    },
  ],
}

/** The short check after a comeback (SPEC §8): CSAT, CES and one free text; found by this name. */
export const FOLLOW_UP_SURVEY_NAME = 'Follow-up check'

export const followUpSurvey: SurveyDefinition = {
  title: t('Schön, dass Sie wieder da sind', 'Good to have you back'),
  intro: t('Sie haben wieder bei uns bestellt. Wie war es diesmal? Drei kurze Fragen, eine Minute.', 'You have ordered from us again. How was it this time? Three short questions, one minute.'),
  questions: [
    { key: 'csat', type: 'csat', label: t('Wie zufrieden sind Sie mit Ihrer letzten Bestellung?', 'How satisfied are you with your latest order?'), required: true },
    {
      key: 'ces',
      type: 'ces',
      label: t('{company} hat es mir leicht gemacht, wieder zu bestellen.', '{company} made it easy for me to order again.'),
      required: true,
    },
    { key: 'improve', type: 'text', label: t('Was können wir noch besser machen?', 'What could we still do better?'), required: false },
  ],
}

/** The short survey a shop links from its cancellation confirmation (SPEC §12 links): why, mainly why, and what would help. */
export const EXIT_SURVEY_NAME = 'Exit survey'

export const exitSurvey: SurveyDefinition = {
  title: t('Schade, dass Sie gehen', 'Sorry to see you go'),
  intro: t('Verraten Sie uns in einer Minute, warum? So werden wir besser.', 'Would you tell us why, in a minute? It helps us get better.'),
  questions: [
    { ...defaultSurvey.questions[0]!, label: t('Warum kündigen Sie?', 'Why are you cancelling?') },
    defaultSurvey.questions[1]!,
    { key: 'improve', type: 'text', label: t('Was hätte Sie gehalten?', 'What would have kept you?'), required: false },
  ],
}

/** Scales of the fixed score questions: NPS 0–10, CSAT 1–5, CES 1–7. */
export function scaleOf(q: Question): { min: number; max: number } {
  switch (q.type) {
    case 'nps':
      return { min: 0, max: 10 }
    case 'csat':
      return { min: 1, max: 5 }
    case 'ces':
      return { min: 1, max: 7 }
    case 'rating':
      return { min: q.scale?.min ?? 1, max: q.scale?.max ?? 5 }
    default:
      throw new Error(`${q.type} has no scale`)
  }
}

export const OTHER = 'other'

/** Whether a question is shown, given the answers so far. */
export function isVisible(q: Question, answers: Answers): boolean {
  if (q.type === 'main_of') {
    const chosen = answers[q.of!] as ChoiceAnswer | undefined
    return (chosen?.values.length ?? 0) >= 2
  }
  if (!q.showIf) return true
  const a = answers[q.showIf.question]
  if (a === undefined) return false
  if (q.showIf.equals !== undefined) {
    return (typeof a === 'object' && a !== null && 'values' in a ? (a as ChoiceAnswer).values[0] : String(a)) === q.showIf.equals
  }
  if (q.showIf.includes !== undefined) return typeof a === 'object' && a !== null && 'values' in a && (a as ChoiceAnswer).values.includes(q.showIf.includes)
  return true
}

/** The first visible question without an answer (where a respondent resumes), or null when done. */
export function nextQuestion(def: SurveyDefinition, answers: Answers): Question | null {
  for (const q of def.questions) {
    if (isVisible(q, answers) && !(q.key in answers)) return q
  }
  return null
}

/** Visible questions, and the position of one among them, for "question 3 of 7". */
export function progress(def: SurveyDefinition, answers: Answers, key: string): { index: number; total: number } {
  const visible = def.questions.filter((q) => isVisible(q, answers) || q.key === key)
  return { index: visible.findIndex((q) => q.key === key) + 1, total: visible.length }
}

/** Drop answers to questions that are no longer shown (an earlier answer changed). */
export function pruneHidden(def: SurveyDefinition, answers: Answers): Answers {
  const kept: Answers = {}
  for (const q of def.questions) if (q.key in answers && isVisible(q, { ...kept, ...answers })) kept[q.key] = answers[q.key]
  return kept
}

export type AnswerError = 'required' | 'invalid' | 'other_missing' | 'too_long'

/**
 * Limits of one answer, defined once: the route's form parser, the step template's `maxlength`
 * and the "too long" message all read them. Longer free text is not cut: the respondent gets it
 * back with the message and can shorten it.
 */
export const ANSWER_LIMITS = { text: 2000, choices: 40, value: 40 } as const
const MAX_TEXT = ANSWER_LIMITS.text

/**
 * Read one question's answer from a form: `q` (one value or several) and `other` (free text).
 * Returns the answer, `null` for a skipped optional question, or an error key.
 */
export function readAnswer(q: Question, form: { q?: string | string[]; other?: string }, answers: Answers): { value: unknown } | { error: AnswerError } {
  const raw = form.q === undefined ? [] : Array.isArray(form.q) ? form.q : [form.q]
  const values = raw.map((v) => v.trim()).filter((v) => v !== '')
  // Browsers send a line break as CRLF but count it as one character against `maxlength`.
  const other = (form.other ?? '').replace(/\r\n?/g, '\n').trim()
  const skipped = () => (q.required ? { error: 'required' as const } : { value: null })
  switch (q.type) {
    case 'single':
    case 'multi': {
      if (values.length === 0) return skipped()
      if (q.type === 'single' && values.length > 1) return { error: 'invalid' }
      const allowed = new Set([...(q.options ?? []).map((o) => o.value), ...(q.allowOther ? [OTHER] : [])])
      const unique = [...new Set(values)]
      if (!unique.every((v) => allowed.has(v))) return { error: 'invalid' }
      if (unique.includes(OTHER) && other === '') return { error: 'other_missing' }
      if (other.length > MAX_TEXT) return { error: 'too_long' }
      return { value: { values: unique, ...(unique.includes(OTHER) ? { other } : {}) } satisfies ChoiceAnswer }
    }
    case 'main_of': {
      if (values.length === 0) return skipped()
      const chosen = (answers[q.of!] as ChoiceAnswer | undefined)?.values ?? []
      if (values.length > 1 || !chosen.includes(values[0]!)) return { error: 'invalid' }
      return { value: values[0] }
    }
    case 'nps':
    case 'csat':
    case 'ces':
    case 'rating': {
      if (values.length === 0) return skipped()
      const { min, max } = scaleOf(q)
      const n = Number(values[0])
      if (values.length > 1 || !Number.isInteger(n) || n < min || n > max) return { error: 'invalid' }
      return { value: n }
    }
    case 'text': {
      const text = values.join('\n').replace(/\r\n?/g, '\n')
      if (text === '') return skipped()
      if (text.length > MAX_TEXT) return { error: 'too_long' }
      return { value: text }
    }
    case 'consent': {
      if (values.length === 0) return skipped()
      if (values.length > 1 || !(q.options ?? contactOptions).some((o) => o.value === values[0])) return { error: 'invalid' }
      return { value: values[0] }
    }
  }
}

/** The main churn reason of a set of answers: the main_of answer, or the only reason chosen. */
export function mainReason(def: SurveyDefinition, answers: Answers): string | null {
  for (const q of def.questions) {
    if (q.type === 'main_of' && typeof answers[q.key] === 'string') return answers[q.key] as string
  }
  for (const q of def.questions) {
    if (q.churnReason && q.type !== 'main_of') {
      const a = answers[q.key] as ChoiceAnswer | null | undefined
      if (a?.values.length === 1) return a.values[0]!
      if (q.type === 'single' && a?.values[0]) return a.values[0]
    }
  }
  return null
}

/** Every churn reason chosen, as `|price|delivery|` (for "any reason" in segments), or null. */
export function reasonsOf(def: SurveyDefinition, answers: Answers): string | null {
  const chosen = new Set<string>()
  for (const q of def.questions) {
    if (!q.churnReason) continue
    const a = answers[q.key]
    if (typeof a === 'string') chosen.add(a)
    else if (a && typeof a === 'object' && 'values' in a) for (const v of (a as ChoiceAnswer).values) chosen.add(v)
  }
  return chosen.size ? `|${[...chosen].join('|')}|` : null
}

/** The first answer of each score type, for the response's NPS, CSAT and CES columns. */
export function scores(def: SurveyDefinition, answers: Answers): { nps: number | null; csat: number | null; ces: number | null } {
  const first = (type: QuestionType) => {
    const q = def.questions.find((x) => x.type === type)
    const v = q ? answers[q.key] : undefined
    return typeof v === 'number' ? v : null
  }
  return { nps: first('nps'), csat: first('csat'), ces: first('ces') }
}

export function text(l: Localized, locale: Locale, company: string): string {
  return l[locale].replaceAll('{company}', company)
}

/** Answers as question/answer text pairs, in the order asked, for staff pages and exports. */
export function describeAnswers(def: SurveyDefinition, answers: Answers, locale: Locale, company: string): { question: string; answer: string }[] {
  const label = (q: Question, value: string) => {
    if (value === OTHER) return locale === 'de' ? 'Anderer Grund' : 'Other'
    const source = q.type === 'main_of' ? def.questions.find((x) => x.key === q.of) : q
    const option = (source?.options ?? (q.type === 'consent' ? contactOptions : [])).find((o) => o.value === value)
    return option ? text(option.label, locale, company) : value
  }
  const out: { question: string; answer: string }[] = []
  for (const q of def.questions) {
    if (!(q.key in answers)) continue
    const a = answers[q.key]
    let answer: string
    if (a === null) answer = '–'
    else if (typeof a === 'object' && 'values' in (a as object)) {
      const c = a as ChoiceAnswer
      answer = c.values.map((v) => label(q, v)).join('; ') + (c.other ? `: “${c.other}”` : '')
    } else if (typeof a === 'string' && (q.type === 'main_of' || q.type === 'consent' || q.type === 'single')) answer = label(q, a)
    else answer = String(a)
    out.push({ question: text(q.label, locale, company), answer })
  }
  return out
}
