import { cachedStatement, type Db } from '../db/client.ts'
import { responses, type ResponseRow } from '../db/schema.ts'
import { insertRow, selectRow } from './rows.ts'

export function getResponseByMember(db: Db, memberId: number): ResponseRow | undefined {
  return selectRow(db, responses, 'WHERE member_id = ?', memberId)
}

export function insertResponse(db: Db, row: typeof responses.$inferInsert): ResponseRow {
  return insertRow(db, responses, row)!
}

/** Save answers of a partial response; returns false when it was completed meanwhile. */
export function updatePartialAnswers(db: Db, id: number, answers: string, at: string): boolean {
  const r = cachedStatement(db, "UPDATE responses SET answers = ?, updated_at = ? WHERE id = ? AND status = 'partial'").run(answers, at, id)
  return r.changes === 1
}

/** Complete a partial response; returns false when it was already complete (a second submit). */
export function completeResponseRow(
  db: Db,
  id: number,
  values: { answers: string; at: string; mainReason: string | null; reasons: string | null; nps: number | null; csat: number | null; ces: number | null },
): boolean {
  const r = cachedStatement(
    db,
    `UPDATE responses SET status = 'complete', answers = @answers, updated_at = @at, completed_at = @at,
       main_reason = @mainReason, reasons = @reasons, nps = @nps, csat = @csat, ces = @ces
     WHERE id = @id AND status = 'partial'`,
  ).run({ id, ...values })
  return r.changes === 1
}

export function listCustomerResponses(db: Db, customerId: number) {
  return cachedStatement(
    db,
    `SELECT r.id, r.status, r.answers, r.locale, r.main_reason AS mainReason, r.nps, r.csat, r.ces, r.started_at AS startedAt,
            r.completed_at AS completedAt, r.survey_version_id AS surveyVersionId, c.name AS campaign
     FROM responses r JOIN campaign_members m ON m.id = r.member_id JOIN campaigns c ON c.id = m.campaign_id
     WHERE r.customer_id = ? ORDER BY r.started_at DESC`,
  ).all(customerId) as {
    id: number
    status: string
    answers: string
    locale: string
    mainReason: string | null
    nps: number | null
    csat: number | null
    ces: number | null
    startedAt: string
    completedAt: string | null
    surveyVersionId: number
    campaign: string
  }[]
}
