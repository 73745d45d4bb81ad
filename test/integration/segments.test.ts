import { createHash } from 'node:crypto'
import { Writable } from 'node:stream'
import { beforeAll, describe, expect, it } from 'vitest'
import { builtInSegments, checkRules, compileRules, SEGMENT_VERSION, type Condition, type Group } from '../../src/domain/segment.ts'
import { translator } from '../../src/locales/index.ts'
import { countSegment } from '../../src/repos/segments.ts'
import { analyze } from '../../src/services/analyze.ts'
import { exportSegment, googleRow, metaRow, neutralise, phoneDigits } from '../../src/services/export.ts'
import { createSurveyLink } from '../../src/services/links.ts'
import { findSegment, saveSegment, segmentWhere } from '../../src/services/segments.ts'
import { useTestDatabase } from '../helpers/build-app.ts'
import { testCampaign } from '../helpers/campaigns.ts'
import { changeCampaignState, previewCampaignTarget } from '../../src/services/campaigns.ts'
import { importText } from '../helpers/factories.ts'
import { enqueueMessage } from '../../src/repos/messages.ts'

/**
 * Segments on a real SQLite file: six customers whose facts are known, every field and operator,
 * all/any nesting, relative dates, literal matching of SQL meta-characters, and the export.
 */
const t = useTestDatabase()
const NOW = new Date('2026-06-30T12:00:00Z')

function ids(rules: Group | Condition): string[] {
  const root: Group = 'rules' in rules ? rules : { match: 'all', rules: [rules] }
  // Checked as a saved segment is (values in their stored form), then compiled.
  const where = compileRules(checkRules({ version: SEGMENT_VERSION, root }), NOW)
  const found = (t.db.$client.prepare(`SELECT c.external_id AS id FROM customers c LEFT JOIN customer_analysis a ON a.customer_id = c.id WHERE ${where.sql} ORDER BY 1`).all(where.params) as { id: string }[]).map((r) => r.id)
  // The count (from the analysis table alone where the rules allow it) agrees with the members.
  expect(countSegment(t.db, where).customers).toBe(found.length)
  return found
}

function respond(customer: string, r: { main: string | null; reasons: string[]; nps: number; csat: number; ces: number; text?: string }) {
  const customerId = (t.db.$client.prepare('SELECT id FROM customers WHERE external_id = ?').get(customer) as { id: number }).id
  createSurveyLink(t.db, customerId, { baseUrl: 'http://localhost', actor: 'test' })
  const member = t.db.$client.prepare('SELECT id FROM campaign_members WHERE customer_id = ? ORDER BY id DESC LIMIT 1').get(customerId) as { id: number }
  const version = t.db.$client.prepare('SELECT id FROM survey_versions ORDER BY id LIMIT 1').get() as { id: number }
  const answers = { reasons: { values: r.reasons }, main_reason: r.main, nps: r.nps, improve: r.text ?? null }
  t.db.$client
    .prepare(
      `INSERT INTO responses (member_id, customer_id, survey_version_id, locale, status, answers, main_reason, reasons, nps, csat, ces, started_at, updated_at, completed_at)
       VALUES (?, ?, ?, 'de', 'complete', ?, ?, ?, ?, ?, ?, '2026-06-01', '2026-06-01', '2026-06-01')`,
    )
    .run(member.id, customerId, version.id, JSON.stringify(answers), r.main, `|${r.reasons.join('|')}|`, r.nps, r.csat, r.ces)
}

beforeAll(async () => {
  const report = await importText(
    t.db,
    'customers',
    [
      'customer_id,email,first_name,last_name,locale,email_consent,phone,phone_consent',
      'A,anna@example.com,Anna,Alt,de,granted,0179 1234567,granted',
      'B,bert@example.com,=1+1,"O\'Brien; ""Bob""",en,existing_customer,,unknown',
      'C,carla@example.com,Carla,Chen,de,objected,+44 20 7946 0958,objected',
      'D,dora@example.com,Dora,Dahl,de,granted,,unknown',
      "E,emil@example.com,Emil,Ernst,en,unknown,,unknown",
      'F,,Fritz,Funk,de,unknown,,unknown',
    ].join('\n'),
  )
  expect(report.problems).toEqual([])
  // A buys every 30 days until recently; B bought twice long ago; C once, very long ago; D often and much; E once recently; F never.
  const orders = ['order_id,customer_id,ordered_at,total']
  for (let i = 0; i < 10; i++) orders.push(`A${i},A,${new Date(Date.UTC(2025, 9, 1) + i * 30 * 86_400_000).toISOString().slice(0, 10)},20.00`)
  orders.push('B1,B,2025-01-10,35.00', 'B2,B,2025-02-10,35.00', 'C1,C,2023-05-01,15.00', 'E1,E,2026-06-20,12.50')
  for (let i = 0; i < 20; i++) orders.push(`D${i},D,${new Date(Date.UTC(2024, 0, 5) + i * 40 * 86_400_000).toISOString().slice(0, 10)},99.00`)
  await importText(t.db, 'orders', orders.join('\n'))
  analyze(t.db, { trigger: 'manual', asOf: '2026-06-30' })
  respond('A', { main: 'price', reasons: ['price', 'delivery'], nps: 9, csat: 4, ces: 6, text: '=HYPERLINK("evil")' })
  respond('B', { main: 'delivery', reasons: ['delivery'], nps: 7, csat: 2, ces: 3 })
  respond('C', { main: 'service', reasons: ['service', 'complaint'], nps: 3, csat: 1, ces: 1 })
})

describe('segment rules', () => {
  it('match each field with each operator', () => {
    expect(ids({ field: 'lapse_status', op: 'is', value: 'none' })).toEqual(['F'])
    expect(ids({ field: 'lapse_status', op: 'is_not', value: 'none' })).toEqual(['A', 'B', 'C', 'D', 'E'])
    expect(ids({ field: 'orders', op: 'eq', value: 2 })).toEqual(['B'])
    expect(ids({ field: 'orders', op: 'ne', value: 2 })).toEqual(['A', 'C', 'D', 'E'])
    expect(ids({ field: 'orders', op: 'gt', value: 10 })).toEqual(['D'])
    expect(ids({ field: 'orders', op: 'gte', value: 10 })).toEqual(['A', 'D'])
    expect(ids({ field: 'orders', op: 'lt', value: 2 })).toEqual(['C', 'E'])
    expect(ids({ field: 'orders', op: 'lte', value: 2 })).toEqual(['B', 'C', 'E'])
    expect(ids({ field: 'spend', op: 'gte', value: '70,00' })).toEqual(['A', 'B', 'D'])
    expect(ids({ field: 'days_since_last_order', op: 'gt', value: 1000 })).toEqual(['C'])
    // Six customers are too few to fit the models: P(alive), CLV and priority are unknown, and unknown matches no comparison.
    expect(ids({ field: 'p_alive', op: 'lte', value: 100 })).toEqual([])
    expect(ids({ field: 'clv', op: 'gte', value: -1000 })).toEqual([])
    expect(ids({ field: 'r_score', op: 'gte', value: 1 })).toEqual(['A', 'B', 'C', 'D', 'E'])
    expect(ids({ field: 'main_reason', op: 'is', value: 'delivery' })).toEqual(['B'])
    expect(ids({ field: 'main_reason', op: 'is_not', value: 'delivery' })).toEqual(['A', 'C', 'D', 'E', 'F'])
    expect(ids({ field: 'any_reason', op: 'is', value: 'delivery' })).toEqual(['A', 'B'])
    expect(ids({ field: 'any_reason', op: 'is_not', value: 'delivery' })).toEqual(['C', 'D', 'E', 'F'])
    expect(ids({ field: 'nps_category', op: 'is', value: 'promoter' })).toEqual(['A'])
    expect(ids({ field: 'nps_category', op: 'is', value: 'passive' })).toEqual(['B'])
    expect(ids({ field: 'nps_category', op: 'is', value: 'detractor' })).toEqual(['C'])
    expect(ids({ field: 'nps_category', op: 'is', value: 'none' })).toEqual(['D', 'E', 'F'])
    expect(ids({ field: 'csat', op: 'lte', value: 2 })).toEqual(['B', 'C'])
    expect(ids({ field: 'ces', op: 'gte', value: 5 })).toEqual(['A'])
    expect(ids({ field: 'locale', op: 'is', value: 'en' })).toEqual(['B', 'E'])
    expect(ids({ field: 'email_consent', op: 'is', value: 'granted' })).toEqual(['A', 'D'])
    expect(ids({ field: 'phone_consent', op: 'is_not', value: 'unknown' })).toEqual(['A', 'C'])
    expect(ids({ field: 'answered', op: 'yes' })).toEqual(['A', 'B', 'C'])
    expect(ids({ field: 'answered', op: 'no' })).toEqual(['D', 'E', 'F'])
    expect(ids({ field: 'in_campaign', op: 'yes' })).toEqual([])
  })

  it('keep relative dates relative: "more than 90 days ago" moves with the day the segment runs', () => {
    const rule = { version: SEGMENT_VERSION, root: { match: 'all' as const, rules: [{ field: 'last_order', op: 'more_than', value: 90 }] } }
    const run = (now: string) => {
      const where = compileRules(rule, new Date(now))
      return (t.db.$client.prepare(`SELECT c.external_id AS id FROM customers c LEFT JOIN customer_analysis a ON a.customer_id = c.id WHERE ${where.sql} ORDER BY 1`).all(where.params) as { id: string }[]).map((r) => r.id)
    }
    // D's last order (2026-02-03) and B's and C's are older than 90 days on 2026-06-30.
    expect(run('2026-06-30')).toEqual(['B', 'C', 'D'])
    // A year later, everybody's last order is more than 90 days old.
    expect(run('2027-06-30')).toEqual(['A', 'B', 'C', 'D', 'E'])
    expect(ids({ field: 'last_order', op: 'less_than', value: 30 })).toEqual(['A', 'E'])
  })

  it('count from the analysis table alone only when no customer without analysis can match', () => {
    const only = (root: Group) => compileRules(checkRules({ version: SEGMENT_VERSION, root }), NOW).analysisOnly
    expect(only({ match: 'all', rules: [{ field: 'lapse_status', op: 'is', value: 'lapsed' }, { field: 'main_reason', op: 'is', value: 'price' }] })).toBe(true)
    expect(only({ match: 'all', rules: [{ field: 'lapse_status', op: 'is', value: 'none' }] })).toBe(false)
    expect(only({ match: 'any', rules: [{ field: 'orders', op: 'gt', value: 1 }, { field: 'answered', op: 'yes' }] })).toBe(false)
    expect(only({ match: 'all', rules: [{ field: 'orders', op: 'gt', value: 1 }, { field: 'locale', op: 'is', value: 'de' }] })).toBe(false)
    expect(only({ match: 'any', rules: [] })).toBe(false)
  })

  it('nest all and any groups', () => {
    expect(
      ids({
        match: 'any',
        rules: [
          { match: 'all', rules: [{ field: 'locale', op: 'is', value: 'de' }, { field: 'orders', op: 'gte', value: 10 }] },
          { match: 'all', rules: [{ field: 'locale', op: 'is', value: 'en' }, { match: 'any', rules: [{ field: 'csat', op: 'lte', value: 2 }, { field: 'orders', op: 'eq', value: 99 }] }] },
        ],
      }),
    ).toEqual(['A', 'B', 'D'])
    expect(ids({ match: 'any', rules: [] })).toEqual([])
    expect(ids({ match: 'all', rules: [] })).toEqual(['A', 'B', 'C', 'D', 'E', 'F'])
  })

  it('bind values as parameters: SQL meta-characters match literally', () => {
    const where = compileRules({ version: SEGMENT_VERSION, root: { match: 'all', rules: [{ field: 'main_reason', op: 'is', value: "x' OR '1'='1" }] } }, NOW)
    expect(where.sql).not.toContain("'1'='1")
    expect(Object.values(where.params)).toContain("x' OR '1'='1")
    expect(countSegment(t.db, where).customers).toBe(0)
    // "_" and "%" are not wildcards either: a reason "price" is not found by "pri_e" or "pri%".
    for (const value of ['pri_e', 'pri%']) {
      const w = compileRules({ version: SEGMENT_VERSION, root: { match: 'all', rules: [{ field: 'any_reason', op: 'is', value }] } }, NOW)
      expect(countSegment(t.db, w).customers).toBe(0)
    }
  })

  it('refuse an unknown field, operator or value, naming it, and save nothing', () => {
    const bad = [
      [{ field: 'shoe_size', op: 'is', value: '42' }, 'There is no fact “shoe_size”'],
      [{ field: 'orders', op: 'is', value: 3 }, '“is” is not a comparison for “orders”'],
      [{ field: 'orders', op: 'gt', value: 'three' }, '“orders” needs a number from 0'],
      [{ field: 'orders', op: 'gt', value: 2.5 }, '“orders” needs a number'],
      [{ field: 'lapse_status', op: 'is', value: 'gone' }, '“gone” is not a value of “lapse_status”'],
    ] as const
    for (const [rule, message] of bad) {
      expect(() => saveSegment(t.db, { name: 'Bad', rules: { version: SEGMENT_VERSION, root: { match: 'all', rules: [rule] } } }, 'test')).toThrow(message)
    }
    expect(() => saveSegment(t.db, { name: 'Deep', rules: { version: SEGMENT_VERSION, root: { match: 'all', rules: [{ match: 'all', rules: [{ match: 'all', rules: [{ match: 'all', rules: [] }] }] }] } } }, 'test')).toThrow('at most 3 levels')
    expect((t.db.$client.prepare('SELECT count(*) AS n FROM segments').get() as { n: number }).n).toBe(0)
  })
})

describe('rewards, mails and purchases after a campaign', () => {
  const idOf = (ext: string) => (t.db.$client.prepare('SELECT id FROM customers WHERE external_id = ?').get(ext) as { id: number }).id
  const responseOf = (ext: string) => (t.db.$client.prepare('SELECT id FROM responses WHERE customer_id = ?').get(idOf(ext)) as { id: number }).id

  it('match reward status, the RFM scores, early warnings, mails and purchases after a mail', async () => {
    // A: a coupon still open; B: a coupon redeemed; C: a coupon expired.
    for (const [ext, code, expires, redeemed] of [['A', 'CB-AAAA-AAAA', '2027-01-01', null], ['B', 'CB-BBBB-BBBB', '2027-01-01', '2026-06-10'], ['C', 'CB-CCCC-CCCC', '2026-01-01', null]] as const) {
      const coupon = t.db.$client.prepare("INSERT INTO coupons (code, customer_id, kind, value, currency, expires_at, redeemed_at) VALUES (?, ?, 'percent', 10, 'EUR', ?, ?)").run(code, idOf(ext), expires, redeemed)
      t.db.$client.prepare("INSERT INTO rewards (response_id, customer_id, kind, coupon_id) VALUES (?, ?, 'coupon', ?)").run(responseOf(ext), idOf(ext), coupon.lastInsertRowid)
    }
    expect(ids({ field: 'reward', op: 'is', value: 'granted' })).toEqual(['A', 'B', 'C'])
    expect(ids({ field: 'reward', op: 'is', value: 'redeemed' })).toEqual(['B'])
    expect(ids({ field: 'reward', op: 'is', value: 'expired' })).toEqual(['C'])
    expect(ids({ field: 'reward', op: 'is_not', value: 'granted' })).toEqual(['D', 'E', 'F'])
    t.db.$client.prepare("UPDATE customer_analysis SET f_score = 5, m_score = 1, early_warning = 'basket' WHERE customer_id = ?").run(idOf('D'))
    expect(ids({ field: 'f_score', op: 'eq', value: 5 })).toContain('D')
    expect(ids({ field: 'm_score', op: 'lte', value: 1 })).toContain('D')
    expect(ids({ field: 'early_warning', op: 'yes' })).toEqual(['D'])
    expect(ids({ field: 'early_warning', op: 'no' })).not.toContain('D')
    // D is mailed an invitation on 1 May and has not bought since; then an order comes in.
    createSurveyLink(t.db, idOf('D'), { baseUrl: 'http://localhost', actor: 'test' })
    const member = t.db.$client.prepare('SELECT id, campaign_id AS campaignId FROM campaign_members WHERE customer_id = ? ORDER BY id DESC LIMIT 1').get(idOf('D')) as { id: number; campaignId: number }
    t.db.$client.prepare('UPDATE campaign_members SET mails_sent = 1 WHERE id = ?').run(member.id)
    enqueueMessage(t.db, { customerId: idOf('D'), campaignId: member.campaignId, memberId: member.id, kind: 'invitation', dedupeKey: 'seg-test-d', toAddress: 'dora@example.com', locale: 'de', payload: '{}', status: 'sent', attempts: 1, sentAt: '2026-05-01T09:00:00Z', notBefore: '2026-05-01T09:00:00Z' })
    expect(ids({ field: 'mailed', op: 'yes' })).toEqual(['D'])
    expect(ids({ field: 'in_campaign', op: 'yes' })).toEqual([])
    expect(ids({ field: 'bought_after_campaign', op: 'yes' })).toEqual([])
    const wonBack = findSegment(t.db, 'won-back')
    const mailedNoAnswer = findSegment(t.db, 'mailed-no-answer')
    expect(countSegment(t.db, segmentWhere(mailedNoAnswer.rules)).customers).toBe(1)
    expect(countSegment(t.db, segmentWhere(wonBack.rules)).customers).toBe(0)
    await importText(t.db, 'orders', 'order_id,customer_id,ordered_at,total\nD-back,D,2026-06-15,45.00\n')
    expect(ids({ field: 'bought_after_campaign', op: 'yes' })).toEqual(['D'])
    expect(countSegment(t.db, segmentWhere(wonBack.rules)).customers).toBe(1)
  })
})

describe('built-in segments', () => {
  it('follow new answers and orders without anyone editing them', () => {
    const delivery = findSegment(t.db, 'reason-delivery')
    expect(countSegment(t.db, segmentWhere(delivery.rules)).customers).toBe(1)
    respond('E', { main: 'delivery', reasons: ['delivery'], nps: 5, csat: 3, ces: 4 })
    expect(countSegment(t.db, segmentWhere(delivery.rules)).customers).toBe(2)
    expect(builtInSegments.map((b) => b.slug)).toEqual(expect.arrayContaining(['won-back', 'answered-not-bought', 'mailed-no-answer']))
  })
})

describe('campaigns that target a segment', () => {
  it('take members from the segment (and the consent rules), fixed when the campaign starts', () => {
    const answered = saveSegment(t.db, { name: 'Answered', rules: { version: SEGMENT_VERSION, root: { match: 'all', rules: [{ field: 'answered', op: 'yes' }] } } }, 'test')
    const campaign = testCampaign(t.db, { name: 'Segment campaign', target: { segment: answered.key } })
    // Answered so far: A, B, C and E. Only A may be mailed: B's basis (existing customer) is off, C objected, E's consent is unknown.
    expect(previewCampaignTarget(t.db, { target: { segment: answered.key }, quietDays: 0, holdoutPercent: 0 }).mailed).toBe(1)
    changeCampaignState(t.db, campaign.id, 'start', 'test')
    const members = () => (t.db.$client.prepare('SELECT c.external_id AS id FROM campaign_members m JOIN customers c ON c.id = m.customer_id WHERE m.campaign_id = ? ORDER BY 1').all(campaign.id) as { id: string }[]).map((r) => r.id)
    expect(members()).toEqual(['A'])
    // D answers later: the segment grows, the started campaign does not.
    respond('D', { main: 'range', reasons: ['range'], nps: 10, csat: 5, ces: 7 })
    expect(countSegment(t.db, segmentWhere(answered.rules)).customers).toBe(5)
    expect(members()).toEqual(['A'])
  })
})

/** Collects what an export writes. */
function sink() {
  const chunks: Buffer[] = []
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk)
      done()
    },
  })
  return { out, text: () => Buffer.concat(chunks).toString('utf8') }
}

describe('export', () => {
  const all = { version: SEGMENT_VERSION, root: { match: 'all' as const, rules: [] } }
  const everyone = () => saveSegment(t.db, { name: `Everyone ${Math.random()}`, rules: all }, 'test')

  it('writes UTF-8 with BOM, the chosen separator, quotes where needed, and neutralises formulas in every cell', async () => {
    const s = sink()
    const rows = await exportSegment(t.db, everyone(), { purpose: 'analysis', format: 'csv', delimiter: ';', actor: 'test', t: translator('en') }, s.out)
    expect(rows).toBe(6)
    const text = s.text()
    expect(text.startsWith('\uFEFFcustomer_id;first_name;last_name;email;')).toBe(true)
    expect(text).toContain(";'=1+1;")
    expect(text).toContain('"O\'Brien; ""Bob"""')
    expect(text).toContain("'=HYPERLINK(\"\"evil\"\")")
    // Numbers stay numbers (decimal comma with ";"), a negative one too.
    const a = text.split('\r\n').length > 1 ? text.split('\r\n') : text.split('\n')
    const rowA = a.find((l) => l.startsWith('A;'))!
    expect(rowA).toContain(';200;')
    expect(rowA).toContain(';price;')
    expect(rowA).toContain('Discount on the next order')
    const comma = sink()
    await exportSegment(t.db, everyone(), { purpose: 'analysis', format: 'csv', delimiter: ',', actor: 'test', t: translator('de') }, comma.out)
    expect(comma.text().startsWith('\uFEFFcustomer_id,first_name,')).toBe(true)
    expect(comma.text()).toContain('Rabatt auf die nächste Bestellung')
  })

  it('neutralises every character a spreadsheet runs, at the start of any cell', () => {
    for (const c of ['=', '+', '-', '@', '\t', '\r']) expect(neutralise(`${c}SUM(A1)`)).toBe(`'${c}SUM(A1)`)
    expect(neutralise('Anna')).toBe('Anna')
    expect(neutralise('a=b')).toBe('a=b')
  })

  it('holds only who may be contacted on the channel for a contact purpose', async () => {
    const email = sink()
    await exportSegment(t.db, everyone(), { purpose: 'contact-email', format: 'csv', delimiter: ';', actor: 'test', t: translator('en') }, email.out)
    const ids = email.text().split(/\r?\n/).slice(1).filter(Boolean).map((l) => l.split(';')[0])
    expect(ids).toEqual(['A', 'D'])
    const phone = sink()
    await exportSegment(t.db, everyone(), { purpose: 'contact-phone', format: 'csv', delimiter: ';', actor: 'test', t: translator('en') }, phone.out)
    expect(phone.text().split(/\r?\n/).slice(1).filter(Boolean).map((l) => l.split(';')[0])).toEqual(['A'])
  })

  it('hashes ad audiences as Meta and Google expect, only for granted email consent', async () => {
    const sha = (s: string) => createHash('sha256').update(s).digest('hex')
    // Known vectors (from `printf … | sha256sum`): the normalised value, hashed.
    const anna = { email: '  Anna@Example.COM ', phone: '0179 1234567', firstName: 'Anna', lastName: 'Alt', locale: 'de' }
    const [email, phone, fn, ln, country] = metaRow(anna)
    expect(email).toBe('f7d54c22dda5b1780276601cd005909b70543fc4a6ba72d735b4cb9bbb611f01')
    expect(phone).toBe('aacdf8d4c93d157fb93926af5339482026b5e2aa2ce37512eb138da9e341bc0f')
    expect([fn, ln, country]).toEqual([sha('anna'), sha('alt'), sha('de')])
    expect(googleRow(anna)).toEqual([
      'f7d54c22dda5b1780276601cd005909b70543fc4a6ba72d735b4cb9bbb611f01',
      '7096482684024582e730e7b785cd136516badc8f7517960efbffcebb99a347c0',
      sha('anna'),
      sha('alt'),
      'DE',
      '',
    ])
    expect(phoneDigits('+44 20 7946 0958', 'gb')).toBe('442079460958')
    expect(phoneDigits('0049 179 1', 'de')).toBe('491791')
    const meta = sink()
    await exportSegment(t.db, everyone(), { purpose: 'analysis', format: 'meta', delimiter: ';', actor: 'test', t: translator('en') }, meta.out)
    const lines = meta.text().split(/\r?\n/).filter(Boolean)
    expect(lines[0]).toBe('\uFEFFemail,phone,fn,ln,country')
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual([sha('anna@example.com'), sha('dora@example.com')])
  })

  it('writes an audit entry for every export: who, segment, purpose, rows', async () => {
    const s = everyone()
    await exportSegment(t.db, s, { purpose: 'contact-email', format: 'csv', delimiter: ';', actor: 'clara@shop.example', t: translator('en') }, sink().out)
    const entry = t.db.$client.prepare("SELECT actor, subject, detail FROM audit_log WHERE action = 'export.segment' ORDER BY id DESC LIMIT 1").get() as { actor: string; subject: string; detail: string }
    expect(entry.actor).toBe('clara@shop.example')
    expect(entry.subject).toBe(s.key)
    expect(JSON.parse(entry.detail)).toMatchObject({ purpose: 'contact-email', format: 'csv', rows: 2 })
  })
})
