import { sql } from 'drizzle-orm'
import { check, index, integer, real, sqliteTable, text, uniqueIndex, type AnySQLiteColumn } from 'drizzle-orm/sqlite-core'

// Timestamps are ISO 8601 UTC strings (`2026-11-24T06:15:54.000Z`); they sort as text.
const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`

export const customers = sqliteTable(
  'customers',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** The shop's own id: the upsert key of imports and the API. */
    externalId: text('external_id').notNull(),
    email: text('email'),
    firstName: text('first_name'),
    lastName: text('last_name'),
    locale: text('locale', { enum: ['de', 'en'] }).notNull(),
    emailConsent: text('email_consent', { enum: ['granted', 'existing_customer', 'objected', 'unknown'] })
      .notNull()
      .default('unknown'),
    phone: text('phone'),
    phoneConsent: text('phone_consent', { enum: ['granted', 'existing_customer', 'objected', 'unknown'] })
      .notNull()
      .default('unknown'),
    /** When the shop created the customer (from the import), not when Comeback saw it. */
    createdAt: text('created_at'),
    insertedAt: text('inserted_at').notNull().default(now),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [
    uniqueIndex('customers_external_id').on(t.externalId),
    index('customers_email').on(t.email),
    // Addresses reported by a mail system, whatever their case (API suppressions).
    index('customers_email_lower').on(sql`lower(${t.email})`),
    index('customers_last_name').on(t.lastName),
  ],
)

export const orders = sqliteTable(
  'orders',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    externalId: text('external_id').notNull(),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    orderedAt: text('ordered_at').notNull(),
    /** Hundredths of the currency unit. */
    totalCents: integer('total_cents').notNull(),
    currency: text('currency').notNull(),
    /** Product or category names, joined by `|` as in the CSV. */
    items: text('items'),
    couponCode: text('coupon_code'),
    status: text('status', { enum: ['completed', 'cancelled', 'returned'] }).notNull().default('completed'),
    insertedAt: text('inserted_at').notNull().default(now),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [
    uniqueIndex('orders_external_id').on(t.externalId),
    index('orders_customer_ordered_at').on(t.customerId, t.orderedAt),
    check('orders_total_not_negative', sql`${t.totalCents} >= 0`),
  ],
)

/** What happened with a customer besides orders (SPEC §3, events.csv): early warnings read them. */
export const events = sqliteTable(
  'events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** The file's event_id, or one made from the row itself, so that importing a file again changes nothing. */
    externalId: text('external_id').notNull(),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    occurredAt: text('occurred_at').notNull(),
    kind: text('kind', { enum: ['complaint', 'late_payment', 'return', 'support_contact', 'cancellation', 'other'] }).notNull(),
    note: text('note'),
    insertedAt: text('inserted_at').notNull().default(now),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [uniqueIndex('events_external_id').on(t.externalId), index('events_customer_occurred_at').on(t.customerId, t.occurredAt), index('events_kind_occurred_at').on(t.kind, t.occurredAt)],
)

/**
 * Every change of a customer's contact consent, kept so that consent can be proven later:
 * what it became, what it was, where it came from, who or what made the change, the wording shown.
 */
export const consentEvents = sqliteTable(
  'consent_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    channel: text('channel', { enum: ['email', 'phone'] }).notNull(),
    status: text('status', { enum: ['granted', 'existing_customer', 'objected', 'unknown'] }).notNull(),
    previousStatus: text('previous_status', { enum: ['granted', 'existing_customer', 'objected', 'unknown'] }),
    /** import, api, admin, survey, unsubscribe, double_opt_in … */
    source: text('source').notNull(),
    /** The user, the import file or `customer` for the customer's own action. */
    actor: text('actor').notNull(),
    wording: text('wording'),
    detail: text('detail'),
    createdAt: text('created_at').notNull().default(now),
  },
  (t) => [index('consent_events_customer').on(t.customerId, t.createdAt)],
)

export const users = sqliteTable(
  'users',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    email: text('email').notNull(),
    passwordHash: text('password_hash').notNull(),
    role: text('role', { enum: ['admin', 'manager', 'staff'] }).notNull(),
    /** The language of the staff pages for this user; null: DEFAULT_LOCALE. */
    locale: text('locale'),
    createdAt: text('created_at').notNull().default(now),
    disabledAt: text('disabled_at'),
  },
  (t) => [uniqueIndex('users_email').on(t.email)],
)

export const sessions = sqliteTable(
  'sessions',
  {
    /** SHA-256 of the cookie's token: a stolen database does not give live sessions. */
    idHash: text('id_hash').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: text('created_at').notNull().default(now),
    lastSeenAt: text('last_seen_at').notNull().default(now),
    expiresAt: text('expires_at').notNull(),
  },
  (t) => [index('sessions_user').on(t.userId)],
)

export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: text('at').notNull().default(now),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    subject: text('subject'),
    /** JSON */
    detail: text('detail'),
  },
  (t) => [index('audit_log_at').on(t.at)],
)

/** Small key → JSON value store: generated secrets and admin-editable settings. */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: text('updated_at').notNull().default(now),
})

export const importRuns = sqliteTable(
  'import_runs',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: ['customers', 'orders', 'events'] }).notNull(),
    fileName: text('file_name').notNull(),
    fileBytes: integer('file_bytes').notNull().default(0),
    status: text('status', { enum: ['running', 'done', 'rejected', 'failed'] }).notNull(),
    dryRun: integer('dry_run', { mode: 'boolean' }).notNull().default(false),
    skipInvalid: integer('skip_invalid', { mode: 'boolean' }).notNull().default(false),
    bytesRead: integer('bytes_read').notNull().default(0),
    rowsRead: integer('rows_read').notNull().default(0),
    /** The ImportReport as JSON, once finished. */
    report: text('report'),
    actor: text('actor').notNull(),
    startedAt: text('started_at').notNull().default(now),
    finishedAt: text('finished_at'),
  },
  (t) => [index('import_runs_started').on(t.startedAt)],
)

export type Customer = typeof customers.$inferSelect
export type Order = typeof orders.$inferSelect
export type ConsentEvent = typeof consentEvents.$inferSelect
export type User = typeof users.$inferSelect
export type ImportRun = typeof importRuns.$inferSelect
export type ConsentStatus = Customer['emailConsent']
export type Role = User['role']

/** The latest analysis of each customer who bought (SPEC §4), replaced by every run. */
export const customerAnalysis = sqliteTable(
  'customer_analysis',
  {
    customerId: integer('customer_id')
      .primaryKey()
      .references(() => customers.id, { onDelete: 'cascade' }),
    runId: integer('run_id').notNull(),
    asOf: text('as_of').notNull(),
    orders: integer('orders').notNull(),
    purchaseDays: integer('purchase_days').notNull(),
    firstOrderAt: text('first_order_at').notNull(),
    lastOrderAt: text('last_order_at').notNull(),
    spendCents: integer('spend_cents').notNull(),
    averageOrderCents: integer('average_order_cents').notNull(),
    /** Up to three, joined by `|`. */
    favouriteItems: text('favourite_items'),
    typicalGapDays: real('typical_gap_days').notNull(),
    gapBasis: text('gap_basis', { enum: ['own', 'population'] }).notNull(),
    daysSinceLast: integer('days_since_last').notNull(),
    lapseStatus: text('lapse_status', { enum: ['active', 'at_risk', 'lapsed', 'lost'] }).notNull(),
    earlyWarning: text('early_warning', { enum: ['frequency', 'basket', 'frequency_and_basket', 'complaint', 'late_payments'] }),
    rScore: integer('r_score').notNull(),
    fScore: integer('f_score').notNull(),
    mScore: integer('m_score').notNull(),
    pAlive: real('p_alive'),
    expectedPurchases90: real('expected_purchases_90'),
    expectedPurchases365: real('expected_purchases_365'),
    expectedOrderCents: integer('expected_order_cents'),
    clvCents: integer('clv_cents'),
    valueIfWonCents: integer('value_if_won_cents'),
    priorityCents: integer('priority_cents'),
  },
  (t) => [
    index('customer_analysis_status_priority').on(t.lapseStatus, t.priorityCents),
    index('customer_analysis_priority').on(t.priorityCents),
    index('customer_analysis_clv').on(t.clvCents),
    index('customer_analysis_days_since').on(t.daysSinceLast),
  ],
)

export const analysisRuns = sqliteTable('analysis_runs', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  asOf: text('as_of').notNull(),
  /** cli, import, nightly, manual, start */
  trigger: text('trigger').notNull(),
  startedAt: text('started_at').notNull(),
  /** Null while the run writes its customers' figures (or when it broke off). */
  finishedAt: text('finished_at'),
  /** Customers analysed; while running, those read or written so far. */
  customers: integer('customers').notNull(),
  /** While running: reading, fitting or writing (then null); failed when it broke off with an error. */
  phase: text('phase'),
  /** While running: of how many customers (about, while reading). */
  expectedCustomers: integer('expected_customers'),
  /** The AnalysisSummary as JSON: counts, value at stake, model parameters, settings; null while running. */
  summary: text('summary'),
})

export type CustomerAnalysisRow = typeof customerAnalysis.$inferSelect
export type AnalysisRun = typeof analysisRuns.$inferSelect

/** A survey; its questions live in versions, so that answers stay tied to what was shown. */
export const surveys = sqliteTable(
  'surveys',
  {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  createdAt: text('created_at').notNull().default(now),
  archivedAt: text('archived_at'),
},
  // One survey per name: ensureDefaultSurvey inserts "or ignore", so the CLI and the server racing make one.
  (t) => [uniqueIndex('surveys_name').on(t.name)],
)

export const surveyVersions = sqliteTable(
  'survey_versions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    surveyId: integer('survey_id')
      .notNull()
      .references(() => surveys.id),
    version: integer('version').notNull(),
    /** The SurveyDefinition as JSON. */
    definition: text('definition').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: text('created_at').notNull().default(now),
  },
  (t) => [uniqueIndex('survey_versions_survey_version').on(t.surveyId, t.version)],
)

/**
 * A campaign (SPEC §5); the standing "personal links" campaign carries links made one at a time;
 * a "followup" campaign belongs to a win-back campaign (parent) and asks its won-back customers
 * a short check a set number of days after their first new order (SPEC §8, after the comeback).
 */
export const campaigns = sqliteTable(
  'campaigns',
  {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  kind: text('kind', { enum: ['personal', 'campaign', 'followup', 'exit'] }).notNull(),
  status: text('status', { enum: ['draft', 'scheduled', 'sending', 'paused', 'completed', 'cancelled'] }).notNull(),
  /** A follow-up check's win-back campaign. */
  parentId: integer('parent_id').references((): AnySQLiteColumn => campaigns.id),
  /** A win-back campaign: days after a won-back customer's first new order for the follow-up check (null: none). A follow-up: the same. */
  followUpDays: integer('follow_up_days'),
  surveyId: integer('survey_id')
    .notNull()
    .references(() => surveys.id),
  /** The incentive arms as JSON: [{ kind: 'coupon', percent | amountCents, … } | { kind: 'points', points }]. */
  incentives: text('incentives').notNull(),
  linkExpiryDays: integer('link_expiry_days').notNull().default(30),
  /** Who is targeted: customer filters as JSON (lapse status, days since last order, …). */
  target: text('target').notNull().default('{}'),
  holdoutPercent: integer('holdout_percent').notNull().default(10),
  reminders: integer('reminders').notNull().default(2),
  /** Days after the previous mail for each reminder, as JSON: [4, 7]. */
  reminderDays: text('reminder_days').notNull().default('[4,7]'),
  /** Send window: ISO weekdays (1 = Monday) as JSON, hours "09:00"–"18:00", in a time zone. */
  sendDays: text('send_days').notNull().default('[1,2,3,4,5]'),
  sendFrom: text('send_from').notNull().default('09:00'),
  sendTo: text('send_to').notNull().default('18:00'),
  timeZone: text('time_zone').notNull().default('Europe/Berlin'),
  ratePerMinute: integer('rate_per_minute').notNull().default(60),
  /** Customers mailed by another campaign within this many days are left out. */
  quietDays: integer('quiet_days').notNull().default(30),
  /** Invitation and reminder texts per language, as JSON; empty means the defaults. */
  templates: text('templates').notNull().default('{}'),
  scheduledAt: text('scheduled_at'),
  startedAt: text('started_at'),
  finishedAt: text('finished_at'),
  /** Why the campaign is paused or waiting: the error threshold, an overdue start, a person. */
  pauseReason: text('pause_reason'),
  /** Customers left out at the start, by reason, as JSON. */
  exclusions: text('exclusions'),
  createdBy: text('created_by').notNull().default('system'),
  createdAt: text('created_at').notNull().default(now),
},
  (t) => [
    // One standing "personal links" campaign, however many processes ask for it at once.
    uniqueIndex('campaigns_one_personal').on(t.kind).where(sql`kind = 'personal'`),
    // One standing exit survey (links for a shop's cancellation confirmation, from the API).
    uniqueIndex('campaigns_one_exit').on(t.kind).where(sql`kind = 'exit'`),
    // One follow-up check per win-back campaign.
    uniqueIndex('campaigns_one_followup').on(t.parentId).where(sql`kind = 'followup'`),
    index('campaigns_status').on(t.status),
  ],
)

export const campaignMembers = sqliteTable(
  'campaign_members',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    campaignId: integer('campaign_id')
      .notNull()
      .references(() => campaigns.id),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    /** Index into the campaign's incentive arms. */
    arm: integer('arm').notNull().default(0),
    /** Held out at random: never mailed, the baseline of the win-back lift. */
    holdout: integer('holdout', { mode: 'boolean' }).notNull().default(false),
    expiresAt: text('expires_at').notNull(),
    openedAt: text('opened_at'),
    /** Mails sent so far: 1 after the invitation, then one more per reminder. */
    mailsSent: integer('mails_sent').notNull().default(0),
    lastMailedAt: text('last_mailed_at'),
    createdAt: text('created_at').notNull().default(now),
  },
  (t) => [uniqueIndex('campaign_members_campaign_customer').on(t.campaignId, t.customerId), index('campaign_members_customer').on(t.customerId)],
)

/**
 * The survey links of a member: SHA-256 of each token, never the token. Every mail carries a
 * token of its own, made when it is sent; all of them open the member's survey until it expires.
 */
export const memberTokens = sqliteTable(
  'member_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    memberId: integer('member_id')
      .notNull()
      .references(() => campaignMembers.id, { onDelete: 'cascade' }),
    createdAt: text('created_at').notNull().default(now),
  },
  (t) => [index('member_tokens_member').on(t.memberId)],
)

/** One response per campaign member, partial until completed. */
export const responses = sqliteTable(
  'responses',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    memberId: integer('member_id')
      .notNull()
      .references(() => campaignMembers.id, { onDelete: 'cascade' }),
    /** Null once the customer is erased: the answers stay, anonymous. */
    customerId: integer('customer_id').references(() => customers.id, { onDelete: 'set null' }),
    surveyVersionId: integer('survey_version_id')
      .notNull()
      .references(() => surveyVersions.id),
    locale: text('locale', { enum: ['de', 'en'] }).notNull(),
    status: text('status', { enum: ['partial', 'complete'] }).notNull(),
    /** Answers by question key, as JSON. */
    answers: text('answers').notNull(),
    mainReason: text('main_reason'),
    /** Every churn reason chosen, as `|price|delivery|`: "any reason" in segments. */
    reasons: text('reasons'),
    nps: integer('nps'),
    csat: integer('csat'),
    ces: integer('ces'),
    startedAt: text('started_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    completedAt: text('completed_at'),
  },
  (t) => [
    uniqueIndex('responses_member').on(t.memberId),
    index('responses_completed').on(t.status, t.completedAt),
    // A customer's latest completed answer (segments, their member lists and exports, the customer page): by customer, then in order of completion.
    index('responses_customer_completed').on(t.customerId, t.status, t.completedAt),
    index('responses_survey_version').on(t.surveyVersionId),
  ],
)

export const coupons = sqliteTable(
  'coupons',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    code: text('code').notNull(),
    customerId: integer('customer_id').references(() => customers.id, { onDelete: 'set null' }),
    campaignId: integer('campaign_id').references(() => campaigns.id),
    kind: text('kind', { enum: ['percent', 'amount'] }).notNull(),
    /** Percent (1–100) or an amount in cents. */
    value: integer('value').notNull(),
    currency: text('currency').notNull(),
    minOrderCents: integer('min_order_cents').notNull().default(0),
    expiresAt: text('expires_at').notNull(),
    createdAt: text('created_at').notNull().default(now),
    redeemedAt: text('redeemed_at'),
    redeemedOrder: text('redeemed_order'),
  },
  (t) => [uniqueIndex('coupons_code').on(t.code), index('coupons_customer').on(t.customerId)],
)

/** Loyalty points: grants, redemptions, expiries and adjustments; the balance is their sum. */
export const pointsLedger = sqliteTable(
  'points_ledger',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['grant', 'redeem', 'expire', 'adjust'] }).notNull(),
    points: integer('points').notNull(),
    reason: text('reason').notNull(),
    createdAt: text('created_at').notNull().default(now),
  },
  (t) => [index('points_ledger_customer').on(t.customerId)],
)

/** The reward of a completed response: at most one, enforced by the unique index. */
export const rewards = sqliteTable(
  'rewards',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    responseId: integer('response_id')
      .notNull()
      .references(() => responses.id),
    customerId: integer('customer_id').references(() => customers.id, { onDelete: 'set null' }),
    kind: text('kind', { enum: ['coupon', 'points'] }).notNull(),
    couponId: integer('coupon_id').references(() => coupons.id),
    points: integer('points'),
    costCents: integer('cost_cents'),
    createdAt: text('created_at').notNull().default(now),
  },
  (t) => [uniqueIndex('rewards_response').on(t.responseId), index('rewards_customer').on(t.customerId)],
)

/** Addresses never to be mailed again: unsubscribes, objections, hard bounces. Survives erasure. */
export const suppressions = sqliteTable('suppressions', {
  email: text('email').primaryKey(),
  reason: text('reason', { enum: ['unsubscribed', 'objected', 'bounced'] }).notNull(),
  createdAt: text('created_at').notNull().default(now),
})

export type Survey = typeof surveys.$inferSelect
export type SurveyVersion = typeof surveyVersions.$inferSelect
export type Campaign = typeof campaigns.$inferSelect
export type CampaignMember = typeof campaignMembers.$inferSelect
export type MemberToken = typeof memberTokens.$inferSelect
export type ResponseRow = typeof responses.$inferSelect
export type Coupon = typeof coupons.$inferSelect
export type Reward = typeof rewards.$inferSelect

/**
 * The outbox: one row per message, with its state. Bodies are rendered when sent, from the
 * payload, so that links with fresh tokens are made then and only their hashes are kept.
 */
export const messages = sqliteTable(
  'messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    customerId: integer('customer_id').references(() => customers.id, { onDelete: 'set null' }),
    kind: text('kind', { enum: ['reward', 'opt_in', 'invitation', 'reminder'] }).notNull(),
    campaignId: integer('campaign_id').references(() => campaigns.id),
    memberId: integer('member_id').references(() => campaignMembers.id, { onDelete: 'set null' }),
    /**
     * The member's incentive arm, copied when a campaign mail is queued (a member's arm never
     * changes), so that a campaign's progress per arm is counted from an index alone. Null on mails
     * queued before it was kept (the progress then looks the arm up) and on other mails.
     */
    arm: integer('arm'),
    /** What makes this message unique (`reward:<responseId>`): nobody gets the same mail twice. */
    dedupeKey: text('dedupe_key').notNull(),
    toAddress: text('to_address').notNull(),
    locale: text('locale', { enum: ['de', 'en'] }).notNull(),
    /** What the renderer needs, as JSON; never a token. */
    payload: text('payload').notNull(),
    status: text('status', { enum: ['queued', 'sending', 'sent', 'failed', 'bounced', 'skipped'] }).notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    notBefore: text('not_before').notNull().default(now),
    subject: text('subject'),
    smtpMessageId: text('smtp_message_id'),
    createdAt: text('created_at').notNull().default(now),
    sentAt: text('sent_at'),
    /** The .eml file in the outbox folder, when mail goes there. */
    storedFile: text('stored_file'),
  },
  (t) => [
    uniqueIndex('messages_dedupe').on(t.dedupeKey),
    index('messages_status_not_before').on(t.status, t.notBefore),
    // Covering for a campaign's progress: its mails by state, kind and arm (and member), read from the index alone.
    index('messages_campaign').on(t.campaignId, t.status, t.kind, t.arm, t.memberId),
    index('messages_customer_sent').on(t.customerId, t.sentAt),
    index('messages_member').on(t.memberId),
  ],
)

/** A "yes" to email contact waiting for the click that makes it consent (double opt-in). */
export const optInRequests = sqliteTable(
  'opt_in_requests',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    /** The wording the customer agreed to, carried into the consent event on confirmation. */
    wording: text('wording').notNull(),
    /** Set when the confirmation mail is sent, with the token made for it. */
    tokenHash: text('token_hash'),
    requestedAt: text('requested_at').notNull(),
    expiresAt: text('expires_at').notNull(),
    confirmedAt: text('confirmed_at'),
  },
  (t) => [uniqueIndex('opt_in_requests_token').on(t.tokenHash), index('opt_in_requests_customer').on(t.customerId)],
)

export type Message = typeof messages.$inferSelect
export type OptInRequest = typeof optInRequests.$inferSelect

/** Saved segments (SPEC §9): a rule tree over customer facts, as versioned JSON (domain/segment.ts). */
export const segments = sqliteTable(
  'segments',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    rules: text('rules').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: text('created_at').notNull().default(now),
    updatedBy: text('updated_by').notNull(),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [uniqueIndex('segments_name').on(t.name)],
)
export type Segment = typeof segments.$inferSelect

/** Keys of the JSON API (SPEC §12): only the SHA-256 of a key is kept; shown once when made. */
export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    scope: text('scope', { enum: ['read', 'write'] }).notNull(),
    keyHash: text('key_hash').notNull(),
    /** The key's first characters, so that people can tell keys apart. */
    prefix: text('prefix').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: text('created_at').notNull().default(now),
    lastUsedAt: text('last_used_at'),
    revokedAt: text('revoked_at'),
  },
  (t) => [uniqueIndex('api_keys_name').on(t.name), uniqueIndex('api_keys_hash').on(t.keyHash)],
)
export type ApiKey = typeof apiKeys.$inferSelect

/**
 * Addresses of erased customers, as SHA-256 of the lower-cased address only: an import or API
 * upsert of the same address later makes that customer objected, so they are never mailed.
 */
export const erasures = sqliteTable('erasures', {
  emailHash: text('email_hash').primaryKey(),
  erasedAt: text('erased_at').notNull().default(now),
})

/** Where Comeback tells a shop's systems what happened (SPEC §11 webhooks); the secret signs each delivery. */
export const webhooks = sqliteTable('webhooks', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  url: text('url').notNull(),
  /** The events it wants, as JSON: ["response.completed", …]. */
  events: text('events').notNull(),
  secret: text('secret').notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: text('created_at').notNull().default(now),
  removedAt: text('removed_at'),
})
export type Webhook = typeof webhooks.$inferSelect

/** Each event for each webhook, kept until delivered (or given up): nothing is lost across a restart. */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    webhookId: integer('webhook_id')
      .notNull()
      .references(() => webhooks.id),
    event: text('event').notNull(),
    payload: text('payload').notNull(),
    status: text('status', { enum: ['queued', 'delivered', 'failed'] }).notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: text('next_attempt_at').notNull().default(now),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    createdAt: text('created_at').notNull().default(now),
    deliveredAt: text('delivered_at'),
  },
  (t) => [index('webhook_deliveries_due').on(t.status, t.nextAttemptAt), index('webhook_deliveries_webhook').on(t.webhookId, t.id)],
)
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect
