import 'dotenv/config'
import { loadConfig, type Config } from '../config.ts'
import { migrateDatabase, openDatabase, type Db } from '../db/client.ts'

/** Config and a migrated database, opened on first use so that `--help` needs neither. */
export class CliContext {
  private cachedConfig: Config | undefined
  private cachedDb: Db | undefined

  get config(): Config {
    this.cachedConfig ??= loadConfig()
    return this.cachedConfig
  }

  get db(): Db {
    if (!this.cachedDb) {
      this.cachedDb = openDatabase(this.config.dbFile)
      migrateDatabase(this.cachedDb)
    }
    return this.cachedDb
  }

  close(): void {
    this.cachedDb?.$client.close()
  }
}

/** Exit codes: 0 done, 1 the input was refused (invalid rows, bad arguments), 2 configuration or usage. */
export class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message)
  }
}
