import { cachedStatement, type Db } from '../db/client.ts'

/** The counts behind NPS, CSAT and CES of every completed response (the formulas are in domain/winback.ts). */
export function scoreCounts(db: Db) {
  return cachedStatement(
    db,
    `SELECT count(*) AS responses,
       coalesce(sum(nps >= 9), 0) AS promoters, coalesce(sum(nps <= 6), 0) AS detractors, count(nps) AS npsAnswers,
       coalesce(sum(csat >= 4), 0) AS satisfied, count(csat) AS csatAnswers,
       avg(ces) AS cesMean, count(ces) AS cesAnswers
     FROM responses WHERE status = 'complete'`,
  ).get() as { responses: number; promoters: number; detractors: number; npsAnswers: number; satisfied: number; csatAnswers: number; cesMean: number | null; cesAnswers: number }
}

/** Members of campaigns who were mailed, and how many of them answered. */
export function responseRate(db: Db) {
  return cachedStatement(
    db,
    `SELECT count(*) AS mailed, coalesce(sum(EXISTS (SELECT 1 FROM responses r WHERE r.member_id = m.id AND r.status = 'complete')), 0) AS answered
     FROM campaign_members m JOIN campaigns k ON k.id = m.campaign_id WHERE k.kind = 'campaign' AND m.mails_sent > 0`,
  ).get() as { mailed: number; answered: number }
}

/** The main churn reasons of completed responses, most frequent first. */
export function reasonCounts(db: Db) {
  return cachedStatement(db, `SELECT main_reason AS reason, count(*) AS n FROM responses WHERE status = 'complete' AND main_reason IS NOT NULL GROUP BY main_reason ORDER BY n DESC, reason`).all() as { reason: string; n: number }[]
}

/** Customers who bought again within the window after their first campaign mail, and the revenue of those orders. */
export function wonBack(db: Db, windowDays: number) {
  return cachedStatement(
    db,
    `WITH first_mail AS (
       SELECT customer_id, min(sent_at) AS since FROM messages WHERE kind = 'invitation' AND status = 'sent' AND campaign_id IS NOT NULL GROUP BY customer_id)
     SELECT count(DISTINCT f.customer_id) AS customers, coalesce(sum(o.total_cents), 0) AS revenueCents
     FROM first_mail f JOIN orders o ON o.customer_id = f.customer_id AND o.status = 'completed'
       AND o.ordered_at > f.since AND o.ordered_at <= strftime('%Y-%m-%dT%H:%M:%fZ', f.since, '+' || @windowDays || ' days')`,
  ).get({ windowDays }) as { customers: number; revenueCents: number }
}
