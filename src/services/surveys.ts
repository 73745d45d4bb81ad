import { type Db, writeTransaction } from '../db/client.ts'
import { DEFAULT_SURVEY_NAME, EXIT_SURVEY_NAME, exitSurvey, FOLLOW_UP_SURVEY_NAME, followUpSurvey, type Answers, type ChoiceAnswer } from '../domain/survey.ts'
import type { SurveyVersion } from '../db/schema.ts'
import { AppError, invalidInput, note } from '../domain/errors.ts'
import { defaultSurvey, surveyDefinitionSchema, type SurveyDefinition } from '../domain/survey.ts'
import { addAuditEntry } from '../repos/audit.ts'
import { findSurveyByName, getSurvey, getSurveyVersion, insertSurvey, insertSurveyVersion, latestSurveyVersion, renameSurvey } from '../repos/surveys.ts'

export { DEFAULT_SURVEY_NAME }
export const SURVEY_NAME_MAX = 100

/** A survey the app brings along, created on first use under its name. */
function ensureBuiltInSurvey(db: Db, name: string, definition: SurveyDefinition): number {
  const existing = findSurveyByName(db, name)
  if (existing) return existing.id
  // Another process (the CLI beside the server) may be creating it too: the unique name decides.
  return writeTransaction(db, () => {
    const id = insertSurvey(db, name)
    if (id === undefined) return findSurveyByName(db, name)!.id
    insertSurveyVersion(db, id, JSON.stringify(definition), 'system')
    return id
  })
}

/** The default survey of SPEC §6. */
export function ensureDefaultSurvey(db: Db): number {
  return ensureBuiltInSurvey(db, DEFAULT_SURVEY_NAME, defaultSurvey)
}

/** The exit survey for links in a shop's cancellation confirmation. */
export function ensureExitSurvey(db: Db): number {
  return ensureBuiltInSurvey(db, EXIT_SURVEY_NAME, exitSurvey)
}

/** The short check a won-back customer gets after the comeback (CSAT, CES, a free text). */
export function ensureFollowUpSurvey(db: Db): number {
  return ensureBuiltInSurvey(db, FOLLOW_UP_SURVEY_NAME, followUpSurvey)
}

/** Parsed definitions by their stored text: a version never changes, and every survey page needs one. */
const definitions = new Map<string, SurveyDefinition>()

export function definitionOf(version: SurveyVersion): SurveyDefinition {
  let def = definitions.get(version.definition)
  if (!def) {
    def = JSON.parse(version.definition) as SurveyDefinition
    // A handful of versions are in use at a time; a full cache starts over rather than growing.
    if (definitions.size >= 100) definitions.clear()
    definitions.set(version.definition, def)
  }
  return def
}

export function currentVersion(db: Db, surveyId: number): SurveyVersion {
  const v = latestSurveyVersion(db, surveyId)
  if (!v) throw new AppError('err.surveyEmpty', 409, 'empty_survey')
  return v
}

/**
 * Save a survey's questions as a new version: responses already given stay tied to the version
 * their respondents saw; new respondents get this one.
 */
export function saveSurveyVersion(db: Db, surveyId: number, input: unknown, actor: string, rename?: string): SurveyVersion {
  const parsed = surveyDefinitionSchema.safeParse(input)
  if (!parsed.success) {
    throw invalidInput(parsed.error, 'survey')
  }
  const name = rename?.trim()
  if (name !== undefined && name !== '' && name.length > SURVEY_NAME_MAX) throw new AppError(note('err.surveyName', { max: SURVEY_NAME_MAX }))
  // Checked first, then the name and the version together: a refused save changes nothing.
  return writeTransaction(db, () => {
    const before = getSurvey(db, surveyId)
    if (name && before && before.name !== name) {
      if (findSurveyByName(db, name)) throw new AppError(note('err.surveyNameTaken', { name }), 409, 'duplicate_name')
      renameSurvey(db, surveyId, name)
      addAuditEntry(db, { actor, action: 'survey.rename', subject: String(surveyId), detail: { from: before.name, to: name } })
    }
    const version = insertSurveyVersion(db, surveyId, JSON.stringify(parsed.data), actor)
    addAuditEntry(db, { actor, action: 'survey.version', subject: String(surveyId), detail: { version: version.version } })
    return version
  })
}

export function createSurvey(db: Db, name: string, actor: string): number {
  const clean = name.trim()
  if (clean.length < 1 || clean.length > SURVEY_NAME_MAX) throw new AppError(note('err.surveyName', { max: SURVEY_NAME_MAX }))
  return writeTransaction(db, () => {
    const id = insertSurvey(db, clean)
    if (id === undefined) throw new AppError(note('err.surveyNameTaken', { name: clean }), 409, 'duplicate_name')
    insertSurveyVersion(db, id, JSON.stringify(defaultSurvey), actor)
    addAuditEntry(db, { actor, action: 'survey.create', subject: clean })
    return id
  })
}

/** The free texts of a response (text questions and "other" answers), in the order of the survey. */
export function freeTextsOf(db: Db, answersJson: string | null, surveyVersionId: number | null): string[] {
  if (!answersJson || !surveyVersionId) return []
  const version = getSurveyVersion(db, surveyVersionId)
  if (!version) return []
  const answers = JSON.parse(answersJson) as Answers
  const texts: string[] = []
  for (const q of definitionOf(version).questions) {
    const a = answers[q.key]
    if (q.type === 'text' && typeof a === 'string' && a.trim()) texts.push(a.trim())
    else if (a && typeof a === 'object' && (a as ChoiceAnswer).other) texts.push((a as ChoiceAnswer).other!.trim())
  }
  return texts
}
