import { Command, CommanderError } from 'commander'
import { ConfigError } from '../config.ts'
import { AppError } from '../domain/errors.ts'
import { registerAnalyzeCommands } from './analyze.ts'
import { registerCampaignCommands } from './campaign.ts'
import { CliContext, CliFailure } from './context.ts'
import { registerDemoCommands } from './demo.ts'
import { registerExportCommands } from './export.ts'
import { registerImportCommands } from './import.ts'
import { registerLinkCommands } from './link.ts'
import { registerServeCommands } from './serve.ts'
import { registerUserCommands } from './user.ts'
import { registerApiKeyCommands } from './apikey.ts'

/** `comeback …`: one file per command group; each calls services. */
export async function main(argv: string[]): Promise<number> {
  const ctx = new CliContext()
  const program = new Command('comeback')
    .description('Comeback: win back lapsed customers')
    .showHelpAfterError()
    .exitOverride()
  registerServeCommands(program, ctx)
  registerDemoCommands(program, ctx)
  registerImportCommands(program, ctx)
  registerAnalyzeCommands(program, ctx)
  registerLinkCommands(program, ctx)
  registerCampaignCommands(program, ctx)
  registerExportCommands(program, ctx)
  registerUserCommands(program, ctx)
  registerApiKeyCommands(program, ctx)

  try {
    await program.parseAsync(argv)
    return typeof process.exitCode === 'number' ? process.exitCode : 0
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2
    if (e instanceof ConfigError) {
      console.error(e.message)
      return 2
    }
    if (e instanceof CliFailure) {
      console.error(e.message)
      return e.exitCode
    }
    if (e instanceof AppError) {
      console.error(`Error: ${e.message}`)
      return 1
    }
    console.error(e)
    return 70
  } finally {
    // `serve` keeps running and owns its database; every other command closes it here.
    if (program.args[0] !== 'serve') ctx.close()
  }
}
