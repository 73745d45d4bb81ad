import { and, desc, eq, isNull, max } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { surveys, surveyVersions, type SurveyVersion } from '../db/schema.ts'

/** A new survey's id, or undefined when one of that name exists. */
export function insertSurvey(db: Db, name: string): number | undefined {
  return db.insert(surveys).values({ name }).onConflictDoNothing().returning({ id: surveys.id }).get()?.id
}

export function insertSurveyVersion(db: Db, surveyId: number, definition: string, createdBy: string): SurveyVersion {
  const last = db.select({ v: max(surveyVersions.version) }).from(surveyVersions).where(eq(surveyVersions.surveyId, surveyId)).get()?.v ?? 0
  return db.insert(surveyVersions).values({ surveyId, version: last + 1, definition, createdBy }).returning().get()
}

export function latestSurveyVersion(db: Db, surveyId: number): SurveyVersion | undefined {
  return db.select().from(surveyVersions).where(eq(surveyVersions.surveyId, surveyId)).orderBy(desc(surveyVersions.version)).limit(1).get()
}

export function getSurveyVersion(db: Db, id: number): SurveyVersion | undefined {
  return db.select().from(surveyVersions).where(eq(surveyVersions.id, id)).get()
}

export function getSurvey(db: Db, id: number) {
  return db.select().from(surveys).where(eq(surveys.id, id)).get()
}

export function findSurveyByName(db: Db, name: string) {
  return db.select().from(surveys).where(and(eq(surveys.name, name), isNull(surveys.archivedAt))).get()
}

export function listSurveys(db: Db) {
  return db.$client
    .prepare(
      `SELECT s.id, s.name, s.created_at AS createdAt, v.version, v.created_at AS versionAt,
              (SELECT count(*) FROM responses r JOIN survey_versions sv ON sv.id = r.survey_version_id WHERE sv.survey_id = s.id) AS responses
       FROM surveys s JOIN survey_versions v ON v.survey_id = s.id
       WHERE s.archived_at IS NULL AND v.version = (SELECT max(version) FROM survey_versions WHERE survey_id = s.id)
       ORDER BY s.id`,
    )
    .all() as { id: number; name: string; createdAt: string; version: number; versionAt: string; responses: number }[]
}

export function renameSurvey(db: Db, id: number, name: string): void {
  db.update(surveys).set({ name }).where(eq(surveys.id, id)).run()
}
