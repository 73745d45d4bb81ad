import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import { migrateDatabase, openDatabase, type Db } from '../db/client.ts'

declare module 'fastify' {
  interface FastifyInstance {
    db: Db
    config: Config
  }
}

/** Decorates the app with the configuration and the database (opened and migrated here unless given). */
export default fp<{ config: Config; db?: Db }>(
  async (app, { config, db }) => {
    const ownDb = db === undefined
    const database = db ?? openDatabase(config.dbFile)
    if (ownDb) migrateDatabase(database)
    app.decorate('config', config)
    app.decorate('db', database)
    if (ownDb) app.addHook('onClose', async () => database.$client.close())
  },
  { name: 'db' },
)
