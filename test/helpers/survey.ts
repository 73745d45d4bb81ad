import type { FastifyInstance } from 'fastify'
import type { Db } from '../../src/db/client.ts'
import { createSurveyLink } from '../../src/services/links.ts'
import { importText } from './factories.ts'

/** A customer with a personal survey link; returns the token and the customer's id. */
export async function customerWithLink(db: Db, externalId = 'K1', options: { locale?: string; email?: string } = {}) {
  await importText(db, 'customers', `customer_id,email,first_name,locale,email_consent\n${externalId},${options.email ?? `${externalId.toLowerCase()}@example.com`},Kim,${options.locale ?? 'de'},existing_customer\n`)
  const customerId = (db.$client.prepare('SELECT id FROM customers WHERE external_id = ?').get(externalId) as { id: number }).id
  const link = createSurveyLink(db, customerId, { baseUrl: 'http://localhost', actor: 'test' })
  return { token: link.token, customerId, url: `/s/${link.token}` }
}

/** Answer one question the way a browser without JavaScript posts the form. */
export function answer(app: FastifyInstance, token: string, question: string, values: Record<string, string | string[]> = {}, headers: Record<string, string> = {}) {
  const body = new URLSearchParams({ question })
  for (const [k, v] of Object.entries(values)) for (const item of Array.isArray(v) ? v : [v]) body.append(k, item)
  return app.inject({ method: 'POST', url: `/s/${token}`, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload: body.toString() })
}

/** The default survey answered start to finish; the contact answer decides consent. */
export async function answerAll(app: FastifyInstance, token: string, contact = 'no', improve = '') {
  await answer(app, token, 'reasons', { q: ['price', 'delivery'] })
  await answer(app, token, 'main_reason', { q: 'delivery' })
  await answer(app, token, 'nps', { q: '6' })
  await answer(app, token, 'csat', { q: '3' })
  await answer(app, token, 'ces', { q: '5' })
  await answer(app, token, 'improve', { q: improve })
  return answer(app, token, 'contact', { q: contact })
}
