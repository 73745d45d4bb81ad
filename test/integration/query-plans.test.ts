import { describe, expect, it } from 'vitest'
import type { Db } from '../../src/db/client.ts'
import { currentExclusion } from '../../src/repos/campaign-targets.ts'
import { campaignProgress } from '../../src/repos/campaign-progress.ts'
import { campaignHasPendingWork, campaignStatus, getCampaign, getMemberByTokenHash, markMemberMailed, memberForMail, membersDueForReminder } from '../../src/repos/campaigns.ts'
import { customerIdsByEmail, getCustomer, listCustomers } from '../../src/repos/customers.ts'
import { claimMessage, dueMessages, finishMessage, getMessageByDedupeKey } from '../../src/repos/messages.ts'
import { getResponseByMember } from '../../src/repos/responses.ts'
import { getRewardByResponse, pointsBalance } from '../../src/repos/rewards.ts'
import { getSessionUser } from '../../src/repos/sessions.ts'
import { getRawSetting } from '../../src/repos/settings.ts'
import { getSurveyVersion, latestSurveyVersion } from '../../src/repos/surveys.ts'
import { followUpCounts, monthly, reasonCounts, reasonDistribution, reasonsByValueTier, reasonTexts, responseRate, scoreCounts, stakesByStatus, wonBack } from '../../src/repos/dashboard.ts'
import { countSegment, segmentMembers } from '../../src/repos/segments.ts'
import { memberOutcomes } from '../../src/repos/winback.ts'
import { SEGMENT_VERSION, segmentFields, type FieldDef } from '../../src/domain/segment.ts'
import { segmentWhere } from '../../src/services/segments.ts'
import { useTestDatabase } from '../helpers/build-app.ts'
import { importText } from '../helpers/factories.ts'

/** Every statement the calls prepare, as SQL text (statements are prepared once per connection, on first use). */
function preparedBy(db: Db, calls: () => void): string[] {
  const seen: string[] = []
  const client = db.$client as unknown as { prepare: (sql: string) => unknown }
  const prepare = client.prepare
  client.prepare = function (this: unknown, sql: string) {
    seen.push(sql)
    return prepare.call(this, sql)
  }
  try {
    calls()
  } finally {
    client.prepare = prepare
  }
  return seen
}

/** The plan's steps; parameters bound as NULL (the plan does not depend on their values). */
function plan(db: Db, sql: string): string[] {
  const named = [...new Set([...sql.matchAll(/@(\w+)/g)].map((m) => m[1]!))]
  const stmt = db.$client.prepare(`EXPLAIN QUERY PLAN ${sql}`)
  const rows = (named.length ? stmt.all(Object.fromEntries(named.map((n) => [n, null]))) : stmt.all(...Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => null))) as { detail: string }[]
  return rows.map((r) => r.detail)
}

/** A step that reads a whole table: `SCAN t` without an index (a temp B-tree for sorting is fine). */
const fullScans = (steps: string[]) => steps.filter((d) => /^SCAN /.test(d) && !/USING (COVERING )?INDEX|CONSTANT ROW/.test(d))

describe('the hot paths use indexes', () => {
  const { db } = useTestDatabase()

  it('the survey page, the sender, campaign progress and sign-in never scan a table', () => {
    const statements = preparedBy(db, () => {
      // A survey page: link, member, campaign, customer, response, survey version, brand, reward.
      getMemberByTokenHash(db, 'h')
      getCampaign(db, 1)
      getCustomer(db, 1)
      getResponseByMember(db, 1)
      latestSurveyVersion(db, 1)
      getSurveyVersion(db, 1)
      getRawSetting(db, 'brand')
      getRewardByResponse(db, 1)
      pointsBalance(db, 1)
      getMessageByDedupeKey(db, 'reward:1')
      // The sender's round.
      dueMessages(db, '2026-01-01', 50)
      dueMessages(db, '2026-01-01', 50, 1)
      claimMessage(db, 1)
      finishMessage(db, 1, { status: 'sent', sentAt: 'x' })
      currentExclusion(db, 1, { existingCustomerBasis: true, quietSince: '2026-01-01', campaignId: 1 })
      memberForMail(db, 1)
      markMemberMailed(db, 1, 'x', 'y')
      campaignStatus(db, 1)
      membersDueForReminder(db, 1, 1, 'x')
      campaignHasPendingWork(db, 1, 2)
      // The campaign page, polled while it sends.
      campaignProgress(db, 1)
      // Every staff request.
      getSessionUser(db, 'h', 'x')
    })
    expect(statements.length).toBeGreaterThan(15)
    const scans = statements.flatMap((sql) => fullScans(plan(db, sql)).map((step) => `${step}  ←  ${sql.replace(/\s+/g, ' ').slice(0, 120)}`))
    expect(scans).toEqual([])
    // The campaign's mails by state and arm come from an index alone, in its order: at 100,000
    // members the lookup of each message's row was two thirds of the progress's time, and then
    // the lookup of each message's member for its arm half of what was left.
    const mails = statements.find((sql) => /FROM messages x\s+WHERE x.campaign_id = \? AND x.kind IN \('invitation', 'reminder'\) AND x.member_id IS NOT NULL/.test(sql))!
    expect(plan(db, mails)).toEqual(['SEARCH x USING COVERING INDEX messages_campaign (campaign_id=?)'])
  })

  it('has the indexes of the foreign keys that pages join on', () => {
    const indexes = (db.$client.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all() as { name: string }[]).map((r) => r.name)
    for (const name of ['messages_member', 'responses_customer_completed', 'responses_survey_version', 'opt_in_requests_customer', 'rewards_customer', 'campaigns_status', 'campaigns_one_personal', 'surveys_name']) {
      expect(indexes).toContain(name)
    }
  })

  it('an orders import reads the orders of the shop by index, never the whole table', async () => {
    await importText(db, 'customers', 'customer_id\nQ1\n')
    // Plans are taken as each statement is prepared, while the import's staging table exists.
    const plans: string[] = []
    const client = db.$client as unknown as { prepare: (sql: string) => unknown }
    const prepare = client.prepare
    client.prepare = function (this: unknown, sql: string) {
      if (/\borders\b/.test(sql) && !/^\s*(CREATE|DROP|INSERT INTO import_stage)/.test(sql)) {
        const named = [...new Set([...sql.matchAll(/@(\w+)/g)].map((m) => m[1]!))]
        const explain = prepare.call(this, `EXPLAIN QUERY PLAN ${sql}`) as { all: (...a: unknown[]) => { detail: string }[] }
        const steps = named.length ? explain.all(Object.fromEntries(named.map((n) => [n, null]))) : explain.all(...Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => null))
        for (const d of steps.map((x) => x.detail)) if (/^SCAN orders\b/.test(d) || /^SCAN o\b/.test(d)) plans.push(`${d}  ←  ${sql.replace(/\s+/g, ' ').slice(0, 100)}`)
      }
      return prepare.call(this, sql)
    }
    try {
      await importText(db, 'orders', 'order_id,customer_id,ordered_at,total,coupon_code\nQO-1,Q1,2026-01-01,10.00,CB-XXXX-XXXX\n')
      // A batch large enough to ask how many orders are there (whether to build the indexes again).
      await importText(db, 'orders', ['order_id,customer_id,ordered_at,total', ...Array.from({ length: 10_000 }, (_, i) => `QB-${i},Q1,2026-01-01,1.00`)].join('\n'))
    } finally {
      client.prepare = prepare
    }
    expect(plans).toEqual([])
  })

  it('finds customers by a part of their id, email or name through the trigram index, reading no other customer', async () => {
    await importText(db, 'customers', 'customer_id,email,first_name,last_name\nFT-1,jana.vor17@example.com,Jana,Nowak\nFT-2,tom@example.com,Tom,Vorberg\nFT-3,kai@example.org,Kai,Lind\n')
    const found = (q: string) => listCustomers(db, { q, sort: 'name', dir: 'asc', limit: 20, offset: 0 }).rows.map((r) => r.externalId).sort()
    // The first search prepares its statements: their plans use the index and look customers up by id.
    let first: string[] = []
    const statements = preparedBy(db, () => (first = found('vor17')))
    expect(first).toEqual(['FT-1'])
    const steps = statements.flatMap((sql) => plan(db, sql))
    expect(steps.some((d) => /customers_search VIRTUAL TABLE/.test(d))).toBe(true)
    expect(steps.filter((d) => /^SCAN c\b/.test(d))).toEqual([])
    expect(found('VORB')).toEqual(['FT-2'])
    expect(found('Jana Nowak')).toEqual(['FT-1'])
    expect(found('example.org')).toEqual(['FT-3'])
    expect(found('FT-')).toEqual(['FT-1', 'FT-2', 'FT-3'])
    expect(found('To')).toEqual(['FT-2'])
    // An update and a deletion are followed at once (the triggers of migration 0012).
    db.$client.prepare("UPDATE customers SET last_name = 'Sommer' WHERE external_id = 'FT-3'").run()
    expect(found('Lind')).toEqual([])
    expect(found('Somm')).toEqual(['FT-3'])
  })

  it('pages the customer list in the order of an index: by name, by priority, CLV and days since the last order, and in a lapse status', () => {
    const stepsOf = (query: Partial<Parameters<typeof listCustomers>[1]>) => {
      const statements = preparedBy(db, () => listCustomers(db, { sort: 'name', dir: 'asc', limit: 25, offset: 0, ...query }))
      // The page's statement; not the counts, nor the one for customers without an analysis, which only the last pages reach.
      return statements.filter((sql) => sql.includes('ORDER BY') && !sql.includes('a.customer_id IS NULL')).flatMap((sql) => plan(db, sql))
    }
    // Neither a sort of every customer nor a full read of a table: the order comes from an index, and
    // the only sort is of the page's 25 rows.
    const ordered = (steps: string[], index: string) => {
      expect(steps.some((d) => d.includes(`INDEX ${index}`)), steps.join('\n')).toBe(true)
      expect(fullScans(steps).filter((d) => !/^SCAN page/.test(d)), steps.join('\n')).toEqual([])
    }
    ordered(stepsOf({}), 'customers_name_order')
    ordered(stepsOf({ dir: 'desc', offset: 500 }), 'customers_name_order')
    ordered(stepsOf({ sort: 'priority', dir: 'desc' }), 'customer_analysis_priority')
    ordered(stepsOf({ sort: 'clv', dir: 'desc' }), 'customer_analysis_clv')
    ordered(stepsOf({ sort: 'last_order', dir: 'desc' }), 'customer_analysis_days_since')
    ordered(stepsOf({ sort: 'priority', dir: 'desc', status: 'lapsed' }), 'customer_analysis_status_priority')
  })

  it('finds the customers of a reported address by index, whatever its case', () => {
    const statements = preparedBy(db, () => customerIdsByEmail(db, 'Someone@Example.com'))
    expect(statements).toHaveLength(1)
    expect(statements.flatMap((sql) => fullScans(plan(db, sql)))).toEqual([])
  })

  it('counts and lists a segment on any field in one pass over the customers, each answer, order, event and mail found by index', () => {
    const now = new Date('2026-06-30T00:00:00Z')
    const condition = (field: string, def: FieldDef) =>
      def.type === 'enum' ? { field, op: 'is', value: def.values![0]! } : def.type === 'flag' ? { field, op: 'yes' } : def.type === 'days_ago' ? { field, op: 'more_than', value: 30 } : { field, op: 'gt', value: 1 }
    for (const [field, def] of Object.entries(segmentFields) as [string, FieldDef][]) {
      const where = segmentWhere({ version: SEGMENT_VERSION, root: { match: 'all', rules: [condition(field, def)] } }, now)
      const statements = preparedBy(db, () => {
        countSegment(db, where)
        segmentMembers(db, where, 'priority', 'desc', 25, 0)
      })
      expect(statements, field).toHaveLength(2)
      for (const sql of statements) {
        const steps = plan(db, sql)
        expect(steps.filter((d) => /AUTOMATIC/.test(d)), `${field}: ${sql}`).toEqual([])
        // One pass over the customers (or the analysis) at most; every other table by index.
        const scans = fullScans(steps).filter((d) => !/^SCAN \w+ VIRTUAL TABLE|^SCAN \(subquery-\d+\)/.test(d))
        expect(scans.every((d) => /^SCAN (c|a)$/.test(d)) && scans.length <= 1, `${field}: ${scans.join('; ')}`).toBe(true)
        // Each look-up beside the customer and the analysis is keyed on the customer (or member, response, row): never a walk through
        // every completed answer in search of this customer's.
        const unkeyed = steps.filter((d) => /^SEARCH (?!a |c )/.test(d) && !/INTEGER PRIMARY KEY|\((customer_id|member_id|response_id|campaign_id)=/.test(d))
        expect(unkeyed, `${field}: ${sql}`).toEqual([])
      }
    }
  })

  it('the dashboards and a campaign’s win-back read campaigns, answers, members, mail and orders by index', () => {
    // Filtered by language or segment too: each answer's or member's customer is looked up, never every customer of the shop listed first.
    const lapsed = segmentWhere({ version: SEGMENT_VERSION, root: { match: 'all', rules: [{ field: 'lapse_status', op: 'is', value: 'lapsed' }] } }, new Date('2026-06-30T00:00:00Z'))
    const statements = preparedBy(db, () => {
      for (const f of [{}, { campaignId: 1 }, { locale: 'de' as const }, { segment: lapsed }]) {
        reasonDistribution(db, f, ['price', 'delivery'])
        reasonsByValueTier(db, f)
        monthly(db, f)
        reasonTexts(db, f, 'price', 10, 0)
        scoreCounts(db, f)
        reasonCounts(db, f)
        responseRate(db, f)
        wonBack(db, 90, f)
        stakesByStatus(db, f)
        followUpCounts(db, f)
      }
      memberOutcomes(db, 1, 90)
    })
    expect(statements.length).toBeGreaterThan(10)
    for (const sql of statements) {
      const steps = plan(db, sql)
      expect(steps.filter((d) => /AUTOMATIC/.test(d)), sql).toEqual([])
      // Only the few campaigns, a CTE's own rows and a JSON array are read whole; and the value at
      // stake of the customers a language or segment selects is a sum over them, one pass.
      const scans = fullScans(steps).filter((d) => !/^SCAN (k|campaigns|f)$|^SCAN \w+ (EXISTS )?VIRTUAL TABLE/.test(d))
      if (/FROM customers c JOIN customer_analysis a/.test(sql)) expect(scans.length <= 1 && scans.every((d) => /^SCAN (c|a)$/.test(d)), `${sql}: ${scans.join('; ')}`).toBe(true)
      else {
        expect(scans, sql).toEqual([])
        // An answer's or member's customer (and its analysis) is found by its key: never a walk
        // through every customer the segment or language selects, listed before the answers.
        expect(steps.filter((d) => /^SEARCH (a|c) /.test(d) && !/INTEGER PRIMARY KEY|\(customer_id=\?\)/.test(d)), sql).toEqual([])
      }
    }
  })

  it('catches a scan when one is there', () => {
    // The check itself can fail: a query on an unindexed column is reported.
    expect(fullScans(plan(db, 'SELECT * FROM customers WHERE first_name = ?'))).toEqual(['SCAN customers'])
  })
})
