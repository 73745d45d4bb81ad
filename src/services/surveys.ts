import type { Db } from '../db/client.ts'
import type { SurveyVersion } from '../db/schema.ts'
import { AppError } from '../domain/errors.ts'
import { defaultSurvey, surveyDefinitionSchema, type SurveyDefinition } from '../domain/survey.ts'
import { addAuditEntry } from '../repos/audit.ts'
import { findSurveyByName, insertSurvey, insertSurveyVersion, latestSurveyVersion } from '../repos/surveys.ts'

export const DEFAULT_SURVEY_NAME = 'Default survey'

/** The default survey of SPEC §6, created on first use. */
export function ensureDefaultSurvey(db: Db): number {
  const existing = findSurveyByName(db, DEFAULT_SURVEY_NAME)
  if (existing) return existing.id
  return db.transaction(() => {
    const id = insertSurvey(db, DEFAULT_SURVEY_NAME)
    insertSurveyVersion(db, id, JSON.stringify(defaultSurvey), 'system')
    return id
  })
}

export function definitionOf(version: SurveyVersion): SurveyDefinition {
  return JSON.parse(version.definition) as SurveyDefinition
}

export function currentVersion(db: Db, surveyId: number): SurveyVersion {
  const v = latestSurveyVersion(db, surveyId)
  if (!v) throw new AppError('This survey has no questions yet', 409, 'empty_survey')
  return v
}

/**
 * Save a survey's questions as a new version: responses already given stay tied to the version
 * their respondents saw; new respondents get this one.
 */
export function saveSurveyVersion(db: Db, surveyId: number, input: unknown, actor: string): SurveyVersion {
  const parsed = surveyDefinitionSchema.safeParse(input)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const where = issue.path.length ? `${issue.path.join('.')}: ` : ''
    throw new AppError(`${where}${issue.message}`)
  }
  const version = insertSurveyVersion(db, surveyId, JSON.stringify(parsed.data), actor)
  addAuditEntry(db, { actor, action: 'survey.version', subject: String(surveyId), detail: { version: version.version } })
  return version
}

export function createSurvey(db: Db, name: string, actor: string): number {
  const clean = name.trim()
  if (clean.length < 1 || clean.length > 100) throw new AppError('A survey needs a name of 1 to 100 characters.')
  return db.transaction(() => {
    const id = insertSurvey(db, clean)
    insertSurveyVersion(db, id, JSON.stringify(defaultSurvey), actor)
    addAuditEntry(db, { actor, action: 'survey.create', subject: clean })
    return id
  })
}
