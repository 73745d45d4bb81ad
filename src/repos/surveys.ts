import { cachedStatement, type Db } from '../db/client.ts'
import { surveys, surveyVersions, type SurveyVersion } from '../db/schema.ts'
import { insertRow, selectRow, updateRows } from './rows.ts'

/** A new survey's id, or undefined when one of that name exists. */
export function insertSurvey(db: Db, name: string): number | undefined {
  return insertRow(db, surveys, { name }, { ignoreConflict: true })?.id
}

export function insertSurveyVersion(db: Db, surveyId: number, definition: string, createdBy: string): SurveyVersion {
  const last = (cachedStatement(db, 'SELECT max(version) AS v FROM survey_versions WHERE survey_id = ?').get(surveyId) as { v: number | null }).v ?? 0
  return insertRow(db, surveyVersions, { surveyId, version: last + 1, definition, createdBy })!
}

export function latestSurveyVersion(db: Db, surveyId: number): SurveyVersion | undefined {
  const row = cachedStatement(db, 'SELECT id FROM survey_versions WHERE survey_id = ? ORDER BY version DESC LIMIT 1').get(surveyId) as { id: number } | undefined
  return row ? getSurveyVersion(db, row.id) : undefined
}

/**
 * Versions are never changed once written, so each is read once per connection: every survey
 * page needs one, and its definition is the largest text the page reads.
 */
const versions = new WeakMap<Db['$client'], Map<number, SurveyVersion>>()

export function getSurveyVersion(db: Db, id: number): SurveyVersion | undefined {
  let cache = versions.get(db.$client)
  if (!cache) versions.set(db.$client, (cache = new Map()))
  let version = cache.get(id)
  if (!version) {
    version = selectRow(db, surveyVersions, 'WHERE id = ?', id)
    if (version) cache.set(id, Object.freeze(version))
  }
  return version
}

export function getSurvey(db: Db, id: number) {
  return selectRow(db, surveys, 'WHERE id = ?', id)
}

export function findSurveyByName(db: Db, name: string) {
  return selectRow(db, surveys, 'WHERE name = ? AND archived_at IS NULL', name)
}

export function listSurveys(db: Db) {
  return cachedStatement(
    db,
      `SELECT s.id, s.name, s.created_at AS createdAt, v.version, v.created_at AS versionAt,
              (SELECT count(*) FROM responses r JOIN survey_versions sv ON sv.id = r.survey_version_id WHERE sv.survey_id = s.id) AS responses
       FROM surveys s JOIN survey_versions v ON v.survey_id = s.id
       WHERE s.archived_at IS NULL AND v.version = (SELECT max(version) FROM survey_versions WHERE survey_id = s.id)
       ORDER BY s.id`,
  ).all() as { id: number; name: string; createdAt: string; version: number; versionAt: string; responses: number }[]
}

export function renameSurvey(db: Db, id: number, name: string): void {
  updateRows(db, surveys, { name }, 'WHERE id = @whereId', { whereId: id })
}
