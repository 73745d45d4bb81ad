// Grants coupon rewards from a thread of its own, on its own connection: the parallel-grant test.
import { parentPort, workerData } from 'node:worker_threads'
import { openDatabase } from '../../src/db/client.ts'
import { grantReward } from '../../src/services/rewards.ts'

const { dbFile, grants, campaignId } = workerData as { dbFile: string; campaignId: number; grants: { responseId: number; customerId: number }[] }
const db = openDatabase(dbFile)
let granted = 0
for (const g of grants) {
  db.transaction(() =>
    grantReward(
      db,
      { ...g, campaignId, incentive: { kind: 'coupon', percent: 10, currency: 'EUR', minOrderCents: 0, validDays: 30, prefix: 'CB' }, now: new Date() },
      // A tiny code space makes collisions certain: the unique index and the retry must cope.
      (prefix) => `${prefix}-${String(Math.floor(Math.random() * 1_000_000)).padStart(6, '0')}`,
    ),
  )
  granted++
}
db.$client.close()
parentPort!.postMessage(granted)
