import { AppError, note } from '../domain/errors.ts'
import { MAX_QUESTIONS, type Localized, type Question, type SurveyDefinition } from '../domain/survey.ts'

/**
 * The survey editor's form ⇄ a survey definition. Each question's fields carry its index
 * (`label_de_3`); options are lines of `id | Deutsch | English`. The result is checked by the
 * definition schema when saved, so this only translates.
 */

export type SurveyForm = Record<string, string>

const loc = (f: SurveyForm, name: string): Localized => ({ de: (f[`${name}_de`] ?? '').trim(), en: (f[`${name}_en`] ?? '').trim() })
const optionalLoc = (f: SurveyForm, name: string): Localized | undefined => {
  const l = loc(f, name)
  return l.de === '' && l.en === '' ? undefined : l
}

/** How many question slots the form has: the posted count, never more than a survey may have. */
export function questionCount(f: SurveyForm): number {
  const n = Number(f.count ?? 0)
  return Number.isInteger(n) && n > 0 ? Math.min(n, MAX_QUESTIONS) : 0
}

export function definitionFromForm(f: SurveyForm): SurveyDefinition {
  const count = questionCount(f)
  const rows: { pos: number; q: Question }[] = []
  for (let i = 0; i < count; i++) {
    if (f[`remove_${i}`] === 'on') continue
    const type = (f[`type_${i}`] ?? 'text') as Question['type']
    const q: Question = {
      key: (f[`key_${i}`] ?? '').trim(),
      type,
      label: { de: (f[`label_de_${i}`] ?? '').trim(), en: (f[`label_en_${i}`] ?? '').trim() },
      required: f[`required_${i}`] === 'on',
    }
    const help = optionalLoc({ help_de: f[`help_de_${i}`] ?? '', help_en: f[`help_en_${i}`] ?? '' }, 'help')
    if (help) q.help = help
    if (type === 'single' || type === 'multi' || type === 'consent') {
      const lines = (f[`options_${i}`] ?? '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean)
      if (lines.length) {
        q.options = lines.map((line) => {
          const [value = '', de = '', en = ''] = line.split('|').map((p) => p.trim())
          return { value, label: { de, en: en || de } }
        })
      }
      if (f[`other_${i}`] === 'on' && type !== 'consent') q.allowOther = true
    }
    if (f[`churn_${i}`] === 'on') q.churnReason = true
    if (type === 'main_of') q.of = (f[`of_${i}`] ?? '').trim()
    const showQ = (f[`showif_q_${i}`] ?? '').trim()
    const showV = (f[`showif_v_${i}`] ?? '').trim()
    if (showQ) {
      const target = rows.find((r) => r.q.key === showQ)?.q
      q.showIf = target?.type === 'multi' ? { question: showQ, includes: showV } : { question: showQ, equals: showV }
    }
    if (type === 'rating') {
      q.scale = {
        min: Number(f[`scale_min_${i}`] ?? 1),
        max: Number(f[`scale_max_${i}`] ?? 5),
        minLabel: { de: (f[`min_de_${i}`] ?? '').trim(), en: (f[`min_en_${i}`] ?? '').trim() },
        maxLabel: { de: (f[`max_de_${i}`] ?? '').trim(), en: (f[`max_en_${i}`] ?? '').trim() },
      }
    }
    rows.push({ pos: Number(f[`pos_${i}`] ?? i + 1), q })
  }
  rows.sort((a, b) => a.pos - b.pos)
  return { title: loc(f, 'title'), intro: loc(f, 'intro'), questions: rows.map((r) => r.q) }
}

export function formFromDefinition(def: SurveyDefinition): SurveyForm {
  const f: SurveyForm = { title_de: def.title.de, title_en: def.title.en, intro_de: def.intro.de, intro_en: def.intro.en, count: String(def.questions.length) }
  def.questions.forEach((q, i) => {
    f[`pos_${i}`] = String(i + 1)
    f[`key_${i}`] = q.key
    f[`type_${i}`] = q.type
    f[`label_de_${i}`] = q.label.de
    f[`label_en_${i}`] = q.label.en
    f[`help_de_${i}`] = q.help?.de ?? ''
    f[`help_en_${i}`] = q.help?.en ?? ''
    if (q.required) f[`required_${i}`] = 'on'
    if (q.allowOther) f[`other_${i}`] = 'on'
    if (q.churnReason) f[`churn_${i}`] = 'on'
    f[`options_${i}`] = (q.options ?? []).map((o) => `${o.value} | ${o.label.de} | ${o.label.en}`).join('\n')
    f[`of_${i}`] = q.of ?? ''
    f[`showif_q_${i}`] = q.showIf?.question ?? ''
    f[`showif_v_${i}`] = q.showIf?.includes ?? q.showIf?.equals ?? ''
    if (q.scale) {
      f[`scale_min_${i}`] = String(q.scale.min)
      f[`scale_max_${i}`] = String(q.scale.max)
      f[`min_de_${i}`] = q.scale.minLabel.de
      f[`min_en_${i}`] = q.scale.minLabel.en
      f[`max_de_${i}`] = q.scale.maxLabel.de
      f[`max_en_${i}`] = q.scale.maxLabel.en
    }
  })
  return f
}

/** The form with one more, empty question at the end; refused when the survey is full. */
export function withBlankQuestion(f: SurveyForm): SurveyForm {
  const i = questionCount(f)
  if (i >= MAX_QUESTIONS) throw new AppError(note('err.surveyMaxQuestions', { max: MAX_QUESTIONS }))
  return { ...f, count: String(i + 1), [`pos_${i}`]: String(i + 1), [`type_${i}`]: 'text', [`key_${i}`]: `question_${i + 1}` }
}
