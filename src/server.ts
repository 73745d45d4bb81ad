import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.ts'
import type { Config } from './config.ts'
import { migrateDatabase, openDatabase } from './db/client.ts'
import { startCheckpointThread } from './jobs/checkpoint-thread.ts'
import { failInterruptedImportRuns } from './repos/import-runs.ts'
import { requeueInterruptedMessages } from './repos/messages.ts'
import { countUsers } from './repos/users.ts'
import { loadDemoShop } from './services/demo.ts'
import { countCustomers } from './repos/customers.ts'
import { latestAnalysisRun } from './repos/analysis.ts'
import { createUser, generatePassword } from './services/users.ts'

export const DEMO_ADMIN_EMAIL = 'admin@comeback.local'

/** The process: open and migrate the database, optionally seed the demo shop, listen, close gracefully. */
export async function serve(config: Config, options: { demo?: boolean } = {}): Promise<void> {
  const db = openDatabase(config.dbFile)
  migrateDatabase(db)
  failInterruptedImportRuns(db)
  const inFlight = requeueInterruptedMessages(db)
  const notes: string[] = []

  if (options.demo && countCustomers(db) === 0) {
    const loaded = loadDemoShop(db, {
      customers: 5000,
      seed: 1,
      asOf: new Date(),
      defaultLocale: config.defaultLocale,
      defaultCurrency: config.defaultCurrency,
    })
    notes.push(`Loaded the demo shop: ${loaded.customers} customers, ${loaded.orders} orders, ${loaded.responses} survey answers.`)
  }
  if (countUsers(db) === 0) {
    if (options.demo) {
      const password = generatePassword()
      await createUser(db, { email: DEMO_ADMIN_EMAIL, role: 'admin', password }, 'serve --demo')
      notes.push(`Sign in as ${DEMO_ADMIN_EMAIL} with the password ${password}`, '(shown only now; set a new one with `npx comeback user password ' + DEMO_ADMIN_EMAIL + '`).')
    } else {
      notes.push('No users yet: create the first admin with `npx comeback user add you@example.com --role admin`.')
    }
  } else {
    notes.push(`Sign in with your account (forgot the password? \`npx comeback user password EMAIL\`).`)
  }

  const app = await buildApp({
    config,
    db,
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
    nightlyJobs: true,
  })
  // A database with orders but no analysis yet (a first start, the demo): analyse it in the background.
  if (!latestAnalysisRun(db)) void app.analysisJobs.request('start')
  const checkpoints = config.dbFile === ':memory:' ? null : startCheckpointThread(db, config.dbFile, (err) => app.log.warn({ err }, 'the checkpoint thread stopped; the server checkpoints itself'))
  // Messages cut off mid-send by a crash go out again; each may have reached its recipient already.
  for (const m of inFlight) app.log.warn({ messageId: m.id, to: m.toAddress }, 'message was in flight at the last stop; sending again (may arrive twice)')
  closeWithGrace({ delay: 10_000 }, async ({ err }) => {
    if (err) app.log.error({ err }, 'closing after an error')
    await app.close()
    // Only after every plugin's own close (the sender records its last mails, the jobs end): a
    // hook of ours would run first, as Fastify runs onClose hooks in reverse order.
    await checkpoints?.close()
    db.$client.close()
  })
  await app.listen({ host: config.host, port: config.port })
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`
  console.log(`\nComeback is running at ${url}/login\n${notes.map((n) => `  ${n}`).join('\n')}\n`)
}
