import { z } from 'zod'
import { batchOf, batchResult, customerExport, customerParams, customerRecord, customerView, erased, eventRecord, orderRecord, segmentList } from './schemas.ts'

/**
 * The JSON API's operations as data: the routes are registered from this list (index.ts) and
 * the OpenAPI document is generated from it (openapi.ts), so neither can miss one.
 */
export interface OperationSpec {
  id: string
  method: 'GET' | 'POST' | 'DELETE'
  url: string
  summary: string
  /** write includes read. */
  scope: 'read' | 'write'
  params?: z.ZodObject
  body?: z.ZodType
  response: z.ZodType
  /** Batches are large: up to 10,000 records. */
  bodyLimit?: number
}

const BATCH_BODY = 32 * 1024 * 1024

export const operations = [
  { id: 'upsertCustomers', method: 'POST', url: '/customers', summary: 'Create or update up to 10,000 customers (by customer_id), all or nothing', scope: 'write', body: batchOf(customerRecord), response: batchResult, bodyLimit: BATCH_BODY },
  { id: 'upsertOrders', method: 'POST', url: '/orders', summary: 'Create or update up to 10,000 orders (by order_id), all or nothing; coupon_code redeems a Comeback coupon', scope: 'write', body: batchOf(orderRecord), response: batchResult, bodyLimit: BATCH_BODY },
  { id: 'upsertEvents', method: 'POST', url: '/events', summary: 'Add up to 10,000 events (complaints, late payments, …), all or nothing; by event_id, or by the event itself', scope: 'write', body: batchOf(eventRecord), response: batchResult, bodyLimit: BATCH_BODY },
  { id: 'getCustomer', method: 'GET', url: '/customers/:customer_id', summary: 'One customer: facts, analysis, answers, consent history, points and coupons', scope: 'read', params: customerParams, response: customerView },
  { id: 'exportCustomer', method: 'GET', url: '/customers/:customer_id/export', summary: 'Everything kept about one customer, for a data request (GDPR Art. 15, 20); audited', scope: 'read', params: customerParams, response: customerExport },
  { id: 'eraseCustomer', method: 'DELETE', url: '/customers/:customer_id', summary: 'Erase one customer (GDPR Art. 17): personal data deleted everywhere, answers kept anonymous, the address kept only as a hash so it is never mailed again; audited', scope: 'write', params: customerParams, response: erased },
  { id: 'listSegments', method: 'GET', url: '/segments', summary: 'Saved and built-in segments', scope: 'read', response: segmentList },
] as const satisfies readonly OperationSpec[]

export type OperationId = (typeof operations)[number]['id']
