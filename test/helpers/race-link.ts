// A process that makes a personal link at an agreed instant, so that several race (sender-correctness test).
import { openDatabase } from '../../src/db/client.ts'
import { createSurveyLink } from '../../src/services/links.ts'

const [file, externalId, startAt] = process.argv.slice(2) as [string, string, string]
const db = openDatabase(file)
const { id } = db.$client.prepare('SELECT id FROM customers WHERE external_id = ?').get(externalId) as { id: number }
while (Date.now() < Number(startAt)) {
  // Spin until the agreed instant: all processes check-then-insert at once.
}
createSurveyLink(db, id, { baseUrl: 'http://localhost', actor: 'race' })
db.$client.close()
