import type { Db } from '../db/client.ts'
import { events } from '../db/schema.ts'
import { selectRows } from './rows.ts'

/** A customer's events (complaints, late payments, …), newest first. */
export function listCustomerEvents(db: Db, customerId: number, limit = 200) {
  return selectRows(db, events, 'WHERE customer_id = ? ORDER BY occurred_at DESC, id DESC LIMIT ?', customerId, limit)
}
