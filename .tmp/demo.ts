import { openDatabase, migrateDatabase } from '../src/db/client.ts'
import { loadDemoShop } from '../src/services/demo.ts'
import { afterComeback } from '../src/services/dashboard.ts'
const db = openDatabase(':memory:'); migrateDatabase(db)
const s = performance.now()
console.log(loadDemoShop(db, { customers: 2000, seed: 1, asOf: new Date(), defaultLocale: 'de', defaultCurrency: 'EUR' }), performance.now() - s)
console.log(afterComeback(db, {}))
console.log(db.$client.prepare("SELECT k.kind, count(*) n, sum(m.mails_sent>0) mailed FROM campaign_members m JOIN campaigns k ON k.id=m.campaign_id GROUP BY k.kind").all())
console.log(db.$client.prepare('SELECT kind, count(*) n FROM events GROUP BY kind').all())
import { analyze } from '../src/services/analyze.ts'
analyze(db, { trigger: 'cli' })
console.log(db.$client.prepare('SELECT early_warning, count(*) n FROM customer_analysis GROUP BY early_warning').all())
