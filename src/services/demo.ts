import type { Db } from '../db/client.ts'
import { generateDemoShop, type DemoShopOptions } from '../domain/demo-shop.ts'
import { AppError } from '../domain/errors.ts'
import { countCustomers } from '../repos/customers.ts'
import { addAuditEntry } from '../repos/audit.ts'
import { loadDemoAnswers } from './demo-answers.ts'
import { ImportBatch } from './import.ts'

/** Load the demo shop into an empty database, through the same import path as a CSV file. */
export function loadDemoShop(
  db: Db,
  options: DemoShopOptions & { defaultLocale: string; defaultCurrency: string },
): { customers: number; orders: number; responses: number } {
  if (countCustomers(db) > 0) {
    throw new AppError('err.demoNotEmpty', 409, 'not_empty')
  }
  const common = { actor: 'demo', defaultLocale: options.defaultLocale, defaultCurrency: options.defaultCurrency }
  const customerBatch = new ImportBatch(db, { ...common, kind: 'customers' })
  const orderBatch = new ImportBatch(db, { ...common, kind: 'orders' })
  const eventBatch = new ImportBatch(db, { ...common, kind: 'events' })
  try {
    for (const { customer, orders, events } of generateDemoShop(options)) {
      customerBatch.addRecord(customer)
      for (const order of orders) orderBatch.addRecord(order)
      for (const event of events) eventBatch.addRecord(event)
    }
  } catch (e) {
    customerBatch.discard()
    orderBatch.discard()
    eventBatch.discard()
    throw e
  }
  const customers = customerBatch.finish(null)
  const orders = orderBatch.finish(null)
  eventBatch.finish(null)
  const answers = loadDemoAnswers(db, { seed: options.seed, asOf: options.asOf })
  addAuditEntry(db, {
    actor: 'demo',
    action: 'demo.load',
    detail: { seed: options.seed, customers: customers.inserted, orders: orders.inserted, responses: answers.responses },
  })
  return { customers: customers.inserted, orders: orders.inserted, responses: answers.responses }
}
