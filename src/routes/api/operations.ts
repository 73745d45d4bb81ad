import { z } from 'zod'
import {
  batchOf,
  batchResult,
  codeParams,
  couponCreate,
  couponView,
  customerExport,
  customerParams,
  customerRecord,
  customerView,
  erased,
  eventRecord,
  linkBody,
  linkView,
  orderRecord,
  pointsView,
  redeemBody,
  segmentExportQuery,
  segmentList,
  segmentParams,
  suppressionRecord,
  suppressionResult,
} from './schemas.ts'

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
  query?: z.ZodObject
  body?: z.ZodType
  response: z.ZodType
  /** A streamed answer of another type than JSON, by the `format` query: its media types. */
  streams?: readonly string[]
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
  { id: 'getPoints', method: 'GET', url: '/customers/:customer_id/points', summary: 'A customer’s loyalty points: balance, tier and ledger', scope: 'read', params: customerParams, response: pointsView },
  { id: 'listSegments', method: 'GET', url: '/segments', summary: 'Saved and built-in segments', scope: 'read', response: segmentList },
  { id: 'exportSegment', method: 'GET', url: '/segments/:id/export', summary: 'A segment’s customers, streamed: NDJSON (default) or CSV, with a contact purpose keeping only who may be contacted; audited', scope: 'read', params: segmentParams, query: segmentExportQuery, response: z.string(), streams: ['application/x-ndjson', 'text/csv'] },
  { id: 'createCoupon', method: 'POST', url: '/coupons', summary: 'Make a coupon (a percent or an amount), for a customer or anyone', scope: 'write', body: couponCreate, response: couponView },
  { id: 'redeemCoupon', method: 'POST', url: '/coupons/:code/redeem', summary: 'Redeem a coupon: once, before it expires, from its minimum order value', scope: 'write', params: codeParams, body: redeemBody, response: couponView },
  { id: 'reportSuppressions', method: 'POST', url: '/suppressions', summary: 'Bounces, complaints and unsubscribes from an external mail system (up to 10,000): never mailed again', scope: 'write', body: batchOf(suppressionRecord), response: suppressionResult, bodyLimit: BATCH_BODY },
  { id: 'createLink', method: 'POST', url: '/links', summary: 'A personal survey link for one customer, in the standing exit survey: for the shop’s cancellation confirmation', scope: 'write', body: linkBody, response: linkView },
] as const satisfies readonly OperationSpec[]

export type OperationId = (typeof operations)[number]['id']
