import { cachedStatement, ruleStatement, type Db } from '../db/client.ts'
import { Conditions } from './rows.ts'
import { comebackOrder } from './winback.ts'

/** The dashboards' filters, applied on the server to the completed responses `r` (their member `m`). */
export interface ResponseFilter {
  campaignId?: number
  /** Inclusive days, YYYY-MM-DD, of the answer's completion. */
  from?: string
  to?: string
  locale?: 'de' | 'en'
  /** Only customers in a segment (its compiled condition over `c` and `a`). */
  segment?: { sql: string; params: Record<string, string | number> }
  /**
   * The answers to the follow-up checks after a comeback (of the campaign's check, with a
   * campaign) instead of the others: the two are never mixed in one score.
   */
  followUp?: boolean
}

const followUpMembers = "SELECT m.id FROM campaign_members m JOIN campaigns k ON k.id = m.campaign_id WHERE k.kind = 'followup'"

/**
 * The answer's or member's customer is in the segment. Where the shop has fewer answers (or
 * members) than customers, as shops do, each one's customer is looked up (two seeks); listing the
 * segment's customers first would read every customer (a million on a big shop, for each segment
 * the reasons page breaks down). Where answers outnumber customers, the segment's customers are
 * listed once instead of looked up answer by answer.
 */
function inSegment(db: Db, f: ResponseFilter, column: string, rows: 'responses' | 'campaign_members'): string | undefined {
  if (!f.segment) return undefined
  return outnumbersCustomers(db, rows)
    ? `${column} IN (SELECT c.id FROM customers c LEFT JOIN customer_analysis a ON a.customer_id = c.id WHERE ${f.segment.sql})`
    : `EXISTS (SELECT 1 FROM customers c LEFT JOIN customer_analysis a ON a.customer_id = c.id WHERE c.id = ${column} AND (${f.segment.sql}))`
}

/** Whether the shop has more answers (or members) than customers, told by their highest ids (no count). */
export function outnumbersCustomers(db: Db, rows: 'responses' | 'campaign_members'): boolean {
  return cachedStatement(db, `SELECT coalesce((SELECT max(id) FROM ${rows}), 0) > coalesce((SELECT max(id) FROM customers), 0)`).pluck().get() === 1
}

function responseWhere(db: Db, f: ResponseFilter) {
  const c = new Conditions()
    .when(true, "r.status = 'complete'")
    .when(true, `r.member_id ${f.followUp ? 'IN' : 'NOT IN'} (${followUpMembers})`)
    .when(
      f.campaignId,
      f.followUp
        ? 'r.member_id IN (SELECT m.id FROM campaign_members m JOIN campaigns k ON k.id = m.campaign_id WHERE k.parent_id = @campaignId)'
        : 'r.member_id IN (SELECT id FROM campaign_members WHERE campaign_id = @campaignId)',
      { campaignId: f.campaignId! },
    )
    .when(f.from, 'r.completed_at >= @from', { from: f.from! })
    .when(f.to, 'r.completed_at < @to', { to: `${f.to}\uffff` })
    .when(f.locale, 'r.locale = @locale', { locale: f.locale! })
    .when(f.segment, inSegment(db, f, 'r.customer_id', 'responses')!, f.segment?.params)
  return { where: c.parts.join(' AND '), params: c.params }
}

/** The member's customer speaks the filter's language: one seek per member, not a list of every customer in that language first. */
const memberLocale = '(SELECT locale FROM customers WHERE id = m.customer_id) = @locale'

const statement = (db: Db, sql: string, f: ResponseFilter) => ruleStatement(db, sql, f.segment !== undefined)

/** Main and any churn reasons of the filtered answers, by reason; `reasons` lists the reason values to count. */
export function reasonDistribution(db: Db, f: ResponseFilter, reasons: readonly string[]) {
  const { where, params } = responseWhere(db, f)
  const anyColumns = reasons.map((_, i) => `coalesce(sum(instr(r.reasons, @any${i}) > 0), 0) AS any${i}`).join(', ')
  const anyParams = Object.fromEntries(reasons.map((v, i) => [`any${i}`, `|${v}|`]))
  const main = statement(db, `SELECT r.main_reason AS reason, count(*) AS n FROM responses r WHERE ${where} AND r.main_reason IS NOT NULL GROUP BY r.main_reason`, f).all(params) as { reason: string; n: number }[]
  const any = statement(db, `SELECT count(*) AS answers, ${anyColumns} FROM responses r WHERE ${where}`, f).get({ ...params, ...anyParams }) as Record<string, number>
  return { main, any: reasons.map((reason, i) => ({ reason, n: any[`any${i}`] ?? 0 })), answers: any.answers ?? 0 }
}

/** Main reasons by the customers' value if won back: high (≥ 100 €), medium (≥ 20 €), low, unknown. */
export function reasonsByValueTier(db: Db, f: ResponseFilter) {
  const { where, params } = responseWhere(db, f)
  return statement(
    db,
    `SELECT r.main_reason AS reason,
       CASE WHEN a.value_if_won_cents IS NULL THEN 'unknown' WHEN a.value_if_won_cents >= 10000 THEN 'high' WHEN a.value_if_won_cents >= 2000 THEN 'medium' ELSE 'low' END AS tier,
       count(*) AS n
     FROM responses r LEFT JOIN customer_analysis a ON a.customer_id = r.customer_id
     WHERE ${where} AND r.main_reason IS NOT NULL GROUP BY reason, tier`,
    f,
  ).all(params) as { reason: string; tier: 'high' | 'medium' | 'low' | 'unknown'; n: number }[]
}

/** Per month of the answer: main reasons, and the counts behind NPS, CSAT and CES. */
export function monthly(db: Db, f: ResponseFilter) {
  const { where, params } = responseWhere(db, f)
  const reasons = statement(db, `SELECT substr(r.completed_at, 1, 7) AS month, r.main_reason AS reason, count(*) AS n FROM responses r WHERE ${where} AND r.main_reason IS NOT NULL GROUP BY month, reason ORDER BY month`, f).all(params) as { month: string; reason: string; n: number }[]
  const scores = statement(
    db,
    `SELECT substr(r.completed_at, 1, 7) AS month, count(*) AS responses,
       coalesce(sum(r.nps >= 9), 0) AS promoters, coalesce(sum(r.nps <= 6), 0) AS detractors, count(r.nps) AS npsAnswers,
       coalesce(sum(r.csat >= 4), 0) AS satisfied, count(r.csat) AS csatAnswers, avg(r.ces) AS cesMean, count(r.ces) AS cesAnswers
     FROM responses r WHERE ${where} GROUP BY month ORDER BY month`,
    f,
  ).all(params) as { month: string; responses: number; promoters: number; detractors: number; npsAnswers: number; satisfied: number; csatAnswers: number; cesMean: number | null; cesAnswers: number }[]
  return { reasons, scores }
}

/**
 * The answers behind a main reason that hold free text (a string that is not a choice id), newest
 * first, one page of them, and how many there are.
 */
export function reasonTexts(db: Db, f: ResponseFilter, reason: string, limit: number, offset: number) {
  const { where, params } = responseWhere(db, f)
  const hasText = `EXISTS (SELECT 1 FROM json_tree(r.answers) j WHERE j.type = 'text' AND j.value GLOB '*[^a-z0-9_]*')`
  const rows = statement(
    db,
    `SELECT r.id, r.customer_id AS customerId, c.external_id AS externalId, c.first_name AS firstName, c.last_name AS lastName, r.answers, r.survey_version_id AS surveyVersionId, r.completed_at AS completedAt, r.locale
     FROM responses r LEFT JOIN customers c ON c.id = r.customer_id
     WHERE ${where} AND r.main_reason = @reason AND ${hasText} ORDER BY r.completed_at DESC, r.id DESC LIMIT @limit OFFSET @offset`,
    f,
  ).all({ ...params, reason, limit, offset }) as { id: number; customerId: number | null; externalId: string | null; firstName: string | null; lastName: string | null; answers: string; surveyVersionId: number; completedAt: string; locale: string }[]
  const total = (statement(db, `SELECT count(*) AS n FROM responses r WHERE ${where} AND r.main_reason = @reason AND ${hasText}`, f).get({ ...params, reason }) as { n: number }).n
  return { rows, total }
}

/** The counts behind NPS, CSAT and CES of the filtered answers (the formulas are in domain/winback.ts). */
export function scoreCounts(db: Db, f: ResponseFilter = {}) {
  const { where, params } = responseWhere(db, f)
  return statement(
    db,
    `SELECT count(*) AS responses,
       coalesce(sum(r.nps >= 9), 0) AS promoters, coalesce(sum(r.nps <= 6), 0) AS detractors, count(r.nps) AS npsAnswers,
       coalesce(sum(r.csat >= 4), 0) AS satisfied, count(r.csat) AS csatAnswers,
       avg(r.ces) AS cesMean, count(r.ces) AS cesAnswers
     FROM responses r WHERE ${where}`,
    f,
  ).get(params) as { responses: number; promoters: number; detractors: number; npsAnswers: number; satisfied: number; csatAnswers: number; cesMean: number | null; cesAnswers: number }
}

/** The main churn reasons of the filtered answers, most frequent first. */
export function reasonCounts(db: Db, f: ResponseFilter = {}) {
  const { where, params } = responseWhere(db, f)
  return statement(db, `SELECT r.main_reason AS reason, count(*) AS n FROM responses r WHERE ${where} AND r.main_reason IS NOT NULL GROUP BY r.main_reason ORDER BY n DESC, reason`, f).all(params) as { reason: string; n: number }[]
}

/** The filters that apply to campaign members `m` and their customers: campaign, language, segment (dates apply to answers and mails). */
function memberWhere(db: Db, f: ResponseFilter) {
  const c = new Conditions()
    .when(f.campaignId, 'm.campaign_id = @campaignId', { campaignId: f.campaignId! })
    .when(f.locale, memberLocale, { locale: f.locale! })
    .when(f.segment, inSegment(db, f, 'm.customer_id', 'campaign_members')!, f.segment?.params)
  return { where: c.and(), params: c.params }
}

/** Members of campaigns who were mailed (in the date range, by their last mail), and how many of them answered. */
export function responseRate(db: Db, f: ResponseFilter = {}) {
  const { where, params } = memberWhere(db, f)
  const dates = `${f.from ? ' AND m.last_mailed_at >= @from' : ''}${f.to ? ' AND m.last_mailed_at < @to' : ''}`
  return statement(
    db,
    `SELECT count(*) AS mailed, coalesce(sum(EXISTS (SELECT 1 FROM responses r WHERE r.member_id = m.id AND r.status = 'complete')), 0) AS answered
     FROM campaign_members m JOIN campaigns k ON k.id = m.campaign_id WHERE k.kind = 'campaign' AND m.mails_sent > 0${where}${dates}`,
    f,
  ).get({ ...params, ...(f.from && { from: f.from }), ...(f.to && { to: `${f.to}\uffff` }) }) as { mailed: number; answered: number }
}

/** Customers who bought again within the window after their first campaign mail (in the date range), and the revenue of those orders. */
export function wonBack(db: Db, windowDays: number, f: ResponseFilter = {}) {
  const { where, params } = memberWhere(db, f)
  const dates = `${f.from ? ' AND since >= @from' : ''}${f.to ? ' AND since < @to' : ''}`
  return statement(
    db,
    `WITH first_mail AS (
       SELECT g.customer_id, min(g.sent_at) AS since FROM messages g JOIN campaign_members m ON m.id = g.member_id
       WHERE g.kind = 'invitation' AND g.status = 'sent' AND g.campaign_id IN (SELECT id FROM campaigns WHERE kind = 'campaign')${where} GROUP BY g.customer_id)
     SELECT count(DISTINCT f.customer_id) AS customers, coalesce(sum(o.total_cents), 0) AS revenueCents
     FROM first_mail f JOIN orders o ON o.customer_id = f.customer_id AND ${comebackOrder('o', 'f.since')}
     WHERE 1${dates}`,
    f,
  ).get({ ...params, windowDays, ...(f.from && { from: f.from }), ...(f.to && { to: `${f.to}\uffff` }) }) as { customers: number; revenueCents: number }
}

/** Customers and their value per lapse status (as of the latest analysis), for the customers the filter's campaign, language and segment select. */
export function stakesByStatus(db: Db, f: ResponseFilter) {
  const c = new Conditions()
    .when(f.campaignId, 'c.id IN (SELECT customer_id FROM campaign_members WHERE campaign_id = @campaignId)', { campaignId: f.campaignId! })
    .when(f.locale, 'c.locale = @locale', { locale: f.locale! })
    .when(f.segment, `(${f.segment?.sql})`, f.segment?.params)
  return statement(
    db,
    `SELECT a.lapse_status AS status, count(*) AS customers, coalesce(sum(a.value_if_won_cents), 0) AS valueIfWonCents, coalesce(sum(a.clv_cents), 0) AS expectedValueCents
     FROM customers c JOIN customer_analysis a ON a.customer_id = c.id WHERE 1${c.and()} GROUP BY a.lapse_status`,
    f,
  ).all(c.params) as { status: string; customers: number; valueIfWonCents: number; expectedValueCents: number }[]
}

/** About how many answers and campaign members there are (highest ids: no scan), to tell a big shop's dashboards before computing them once. */
export function dashboardRowsHint(db: Db): number {
  return (cachedStatement(db, 'SELECT coalesce((SELECT max(id) FROM responses), 0) + coalesce((SELECT max(id) FROM campaign_members), 0) AS n').get() as { n: number }).n
}

/** Follow-up checks after a comeback: how many were asked (mailed) and how many answered; of one campaign's check with a campaign. */
export function followUpCounts(db: Db, f: ResponseFilter = {}) {
  const c = new Conditions()
    .when(f.campaignId, 'k.parent_id = @campaignId', { campaignId: f.campaignId! })
    .when(f.locale, memberLocale, { locale: f.locale! })
    .when(f.segment, inSegment(db, f, 'm.customer_id', 'campaign_members')!, f.segment?.params)
    .when(f.from, 'm.last_mailed_at >= @from', { from: f.from! })
    .when(f.to, 'm.last_mailed_at < @to', { to: `${f.to}\uffff` })
  return statement(
    db,
    `SELECT count(*) AS asked, coalesce(sum(EXISTS (SELECT 1 FROM responses r WHERE r.member_id = m.id AND r.status = 'complete')), 0) AS answered
     FROM campaign_members m JOIN campaigns k ON k.id = m.campaign_id WHERE k.kind = 'followup' AND m.mails_sent > 0${c.and()}`,
    f,
  ).get(c.params) as { asked: number; answered: number }
}
