import { formatNumber } from '../domain/format.ts'
import { translator } from '../locales/index.ts'
import type { Translate } from '../domain/i18n.ts'
import type { Locale } from '../domain/import-records.ts'
import { ANSWER_LIMITS, isVisible, progress, scaleOf, text, type AnswerError, type Answers, type Question, type SurveyDefinition } from '../domain/survey.ts'

/**
 * What the survey step template shows for one question: texts in the respondent's language,
 * choices with what is already ticked, the scale and its ends, progress, back and language links.
 * The respondent's page and the editor's preview both use it.
 */
export function stepView(input: {
  definition: SurveyDefinition
  answers: Answers
  question: Question
  locale: Locale
  company: string
  /** The form's address; null renders a preview that posts nowhere. */
  path: string | null
  started: boolean
  /** What was wrong with the answer sent, or `busy`: it could not be saved just now and is shown again. */
  error: AnswerError | 'busy' | null
  posted?: { q?: string | string[]; other?: string }
}) {
  const { definition, answers, question, locale, company, path, error, posted } = input
  const t = translator(locale)
  const tx = (l: { de: string; en: string }) => text(l, locale, company)
  const { index, total } = progress(definition, answers, question.key)
  const visible = definition.questions.filter((q) => isVisible(q, answers))
  const at = visible.findIndex((q) => q.key === question.key)
  const previous = at > 0 ? visible[at - 1] : undefined
  const saved = posted ? posted.q : answers[question.key]
  const chosen = new Set<string>(
    saved === undefined || saved === null
      ? []
      : typeof saved === 'object' && !Array.isArray(saved) && 'values' in saved
        ? (saved as { values: string[] }).values
        : (Array.isArray(saved) ? saved : [String(saved)]).map(String),
  )
  const otherText = posted?.other ?? ((saved as { other?: string } | null | undefined)?.other ?? '')
  let options: { value: string; label: string }[] = []
  if (question.type === 'main_of') {
    const of = definition.questions.find((q) => q.key === question.of)!
    const picked = (answers[of.key] as { values: string[] } | undefined)?.values ?? of.options?.map((o) => o.value) ?? []
    options = picked.map((v) => ({ value: v, label: v === 'other' ? t('public.otherLabel') : tx(of.options!.find((o) => o.value === v)!.label) }))
  } else if (question.options) {
    options = question.options.map((o) => ({ value: o.value, label: tx(o.label) }))
  }
  const scale = ['nps', 'csat', 'ces', 'rating'].includes(question.type) ? scaleOf(question) : null
  const ends =
    question.type === 'nps'
      ? [t('public.npsLow'), t('public.npsHigh')]
      : question.type === 'csat'
        ? [t('public.csatLow'), t('public.csatHigh')]
        : question.type === 'ces'
          ? [t('public.cesLow'), t('public.cesHigh')]
          : question.scale
            ? [tx(question.scale.minLabel), tx(question.scale.maxLabel)]
            : null
  return {
    lang: locale,
    t,
    title: tx(definition.title),
    intro: index === 1 && !input.started ? tx(definition.intro) : null,
    company,
    path,
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
    error: error ? t(`public.${error}`, { max: formatNumber(ANSWER_LIMITS.text, 0, locale), length: formatNumber(postedLength(posted), 0, locale) }) : null,
    maxText: ANSWER_LIMITS.text,
    index,
    total,
    isLast: index === total,
    backHref: previous && path ? `${path}?lang=${locale}&q=${previous.key}` : null,
    switchHref: path ? `${path}?lang=${locale === 'de' ? 'en' : 'de'}&q=${question.key}` : null,
  }
}

/** The length of the longest free text posted, as the "too long" message counts it. */
function postedLength(posted: { q?: string | string[]; other?: string } | undefined): number {
  const texts = [posted?.other ?? '', ...(posted?.q === undefined ? [] : [posted.q].flat())]
  return Math.max(0, ...texts.map((x) => x.replace(/\r\n?/g, '\n').trim().length))
}
