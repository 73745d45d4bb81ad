// Runs one analysis in a worker thread on its own database connection, so that the server keeps answering.
import { parentPort, workerData } from 'node:worker_threads'
import { openDatabase } from '../db/client.ts'
import { analyze, type AnalysisTrigger } from '../services/analyze.ts'

const { dbFile, trigger } = workerData as { dbFile: string; trigger: AnalysisTrigger }
const db = openDatabase(dbFile)
try {
  const result = analyze(db, { trigger })
  parentPort!.postMessage({ ok: true, runId: result.runId, customers: result.customers, seconds: result.seconds })
} catch (error) {
  parentPort!.postMessage({ ok: false, error: error instanceof Error ? error.stack ?? error.message : String(error) })
} finally {
  db.$client.close()
}
