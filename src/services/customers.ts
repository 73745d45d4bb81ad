import type { Db } from '../db/client.ts'
import { latestAnalysis } from './analysis-report.ts'
import { favouriteItems, modelNames } from '../domain/analysis.ts'
import { modelKinds } from '../domain/clv/models.ts'
import { listCustomerEvents } from '../repos/events.ts'
import { notFound } from '../domain/errors.ts'
import type { Translate } from '../domain/i18n.ts'
import { describeRhythm } from '../domain/lapse.ts'
import { describeAnswers, type Answers } from '../domain/survey.ts'
import { getCustomerAnalysis } from '../repos/analysis.ts'
import { listCustomerResponses } from '../repos/responses.ts'
import { getSurveyVersion } from '../repos/surveys.ts'
import { getBrand } from './settings.ts'
import { definitionOf } from './surveys.ts'
import {
  getCustomer,
  listConsentEvents,
  listCustomerOrders,
  listCustomers,
  type CustomerListQuery,
} from '../repos/customers.ts'

export { listCustomers, type CustomerListQuery }

/** Everything staff see about one customer before they call: facts, orders, consent history. */
export function customerProfile(db: Db, id: number, t: Translate) {
  const customer = getCustomer(db, id)
  if (!customer) throw notFound('customer')
  const orders = listCustomerOrders(db, id)
  const completed = orders.filter((o) => o.status === 'completed')
  const spendCents = completed.reduce((s, o) => s + o.totalCents, 0)
  const favourites = favouriteItems(completed.map((o) => o.items).filter(Boolean).join('|'))
  const analysis = getCustomerAnalysis(db, id) ?? null
  // The model behind P(alive) and CLV: the latest run's choice (runs before the choice existed used BG/NBD).
  const models = analysis ? latestAnalysis(db)?.summary.models : undefined
  const model = models ? (models.chosen === undefined ? (models.bgnbd ? 'bgnbd' : null) : models.chosen) : null
  const company = getBrand(db).name
  const responses = listCustomerResponses(db, id).map((r) => ({
    ...r,
    // Staff read the answers in their own language where the survey has it (German or English), whatever language the customer answered in.
    answers: describeAnswers(definitionOf(getSurveyVersion(db, r.surveyVersionId)!), JSON.parse(r.answers) as Answers, t.locale === 'de' ? 'de' : 'en', company),
  }))
  return {
    customer,
    analysis,
    model: model && { kind: model, name: modelNames[model] },
    /** Models were fitted, but none could be trusted: the lapse status decides. */
    noTrustedModel: !!models && model === null && modelKinds.some((k) => models[k]),
    rhythm: analysis
      ? describeRhythm({ typicalGapDays: analysis.typicalGapDays, gapBasis: analysis.gapBasis, daysSinceLast: analysis.daysSinceLast, lapseStatus: analysis.lapseStatus }, t)
      : null,
    orders,
    events: listCustomerEvents(db, id),
    responses,
    consentEvents: listConsentEvents(db, id),
    summary: {
      orders: completed.length,
      firstOrderAt: completed.at(-1)?.orderedAt ?? null,
      lastOrderAt: completed[0]?.orderedAt ?? null,
      spendCents,
      averageCents: completed.length > 0 ? Math.round(spendCents / completed.length) : null,
      currency: completed[0]?.currency ?? null,
      favouriteItems: favourites,
    },
  }
}
