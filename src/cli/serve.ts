import { backupDatabase } from '../services/backup.ts'
import type { Command } from 'commander'
import { loadConfig } from '../config.ts'
import { migrateDatabase } from '../db/client.ts'
import { serve } from '../server.ts'
import type { CliContext } from './context.ts'

export function registerServeCommands(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('migrate the database, then serve the web app')
    .option('--port <n>', 'port to listen on (default PORT or 3000)')
    .option('--host <host>', 'address to listen on (default HOST or 127.0.0.1)')
    .option('--demo', 'load the demo shop into an empty database and create a first admin')
    .action(async (opts: { port?: string; host?: string; demo?: boolean }) => {
      const config = loadConfig({ ...process.env, ...(opts.port ? { PORT: opts.port } : {}), ...(opts.host ? { HOST: opts.host } : {}) })
      await serve(config, { demo: opts.demo })
    })

  program
    .command('migrate')
    .description('apply database migrations')
    .action(() => {
      migrateDatabase(ctx.db)
      console.log(`Database ${ctx.config.dbFile} is up to date.`)
    })

  program
    .command('backup <file>')
    .description('write a consistent online backup of the database to FILE')
    .action(async (file: string) => {
      await backupDatabase(ctx.db, file, 'cli')
      console.log(`Backup written to ${file}.`)
    })
}
