import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { tempDatabase } from '../helpers/build-app.ts'
import { buildSyntheticShop } from '../helpers/synthetic-shop.ts'

/** One analysis of a synthetic shop of `customers` in a child process (test/helpers/analyze-memory-child.ts). */
function analyseInChild(customers: number) {
  const t = tempDatabase()
  try {
    const shop = buildSyntheticShop(t.db, { customers, ordersPerCustomer: 6, asOf: '2026-06-30' })
    t.db.$client.close()
    const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'test/helpers/analyze-memory-child.ts', t.file], { encoding: 'utf8' })
    expect(run.status, run.stderr).toBe(0)
    return { ...shop, ...(JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { customers: number; liveMiB: number; peakRssMiB: number }) }
  } finally {
    t.cleanup()
  }
}

describe('the analysis of a big shop', () => {
  it('holds a few hundred bytes per customer, never their orders', () => {
    const small = analyseInChild(20_000)
    const big = analyseInChild(80_000)
    expect(big.customers).toBe(80_000)
    expect(big.orders).toBeGreaterThan(3.9 * small.orders)
    // Live memory (after a full collection, at its fullest) grows by the customers' numbers in
    // columns: about 300 bytes each here. Holding each customer's history or figures took
    // kilobytes each, and would fail this.
    const perCustomer = ((big.liveMiB - small.liveMiB) * 1048576) / (big.customers - small.customers)
    expect(perCustomer).toBeLessThan(600)
    expect(big.peakRssMiB).toBeLessThan(400)
  }, 60_000)
})
