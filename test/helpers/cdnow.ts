import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'

/** The CDNOW reference data beside the repository (../shared/data/cdnow); tests skip, saying so, without it. */
export const CDNOW_DIR = resolve(import.meta.dirname, '../../../shared/data/cdnow')
export const hasCdnow = existsSync(resolve(CDNOW_DIR, 'cdnow_customers_summary.csv'))
if (!hasCdnow) console.warn(`Skipping CDNOW reference tests: ${CDNOW_DIR} is absent (it sits beside the repository in CI). The simulated twins still run.`)

export function readCdnowSummary(): { x: number; tx: number; T: number }[] {
  return readFileSync(resolve(CDNOW_DIR, 'cdnow_customers_summary.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [, x, tx, T] = line.split(',').map(Number) as [number, number, number, number]
      return { x, tx, T }
    })
}

export function readCdnowSpend(): { x: number; zbar: number }[] {
  return readFileSync(resolve(CDNOW_DIR, 'cdnow_customers_summary_with_transactions.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [, x, , , zbar] = line.split(',').map(Number) as [number, number, number, number, number]
      return { x, zbar }
    })
}

/** CDNOW_sample.txt as customers.csv and orders.csv text (one order per transaction line). */
export function cdnowSampleAsCsv(): { customers: string; orders: string } {
  const lines = readFileSync(resolve(CDNOW_DIR, 'CDNOW_sample.txt'), 'utf8').trim().split(/\r?\n/)
  const ids = new Set<string>()
  const orders = ['order_id,customer_id,ordered_at,total,currency']
  lines.forEach((line, i) => {
    const [, id, date, , value] = line.trim().split(/\s+/) as [string, string, string, string, string]
    ids.add(id)
    orders.push(`T${i + 1},${id},${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)},${value},USD`)
  })
  return { customers: ['customer_id', ...ids].join('\n') + '\n', orders: orders.join('\n') + '\n' }
}
