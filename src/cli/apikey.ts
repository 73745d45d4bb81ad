import { Option, type Command } from 'commander'
import { listApiKeys } from '../repos/api-keys.ts'
import { apiScopes, createApiKey, revokeApiKey } from '../services/api-keys.ts'
import type { CliContext } from './context.ts'

export function registerApiKeyCommands(program: Command, ctx: CliContext): void {
  const apikey = program.command('apikey').description('keys of the JSON API (/api/v1)')
  apikey
    .command('create <name>')
    .description('make a key; it is printed once and only its hash is kept')
    .addOption(new Option('--scope <scope>', 'read, or write (which includes read)').choices(apiScopes).makeOptionMandatory())
    .action((name: string, opts: { scope: string }) => {
      const { key, row } = createApiKey(ctx.db, { name, scope: opts.scope }, 'cli')
      console.error(`Created key "${row.name}" (${row.scope}). It is shown only now:`)
      console.log(key)
    })
  apikey
    .command('revoke <name>')
    .description('revoke a key at once')
    .action((name: string) => {
      revokeApiKey(ctx.db, name, 'cli')
      console.log(`Revoked key "${name}".`)
    })
  apikey
    .command('list')
    .description('list keys: name, scope, first characters, last use')
    .action(() => {
      const rows = listApiKeys(ctx.db)
      if (rows.length === 0) return console.log('No API keys yet.')
      for (const k of rows) console.log(`${k.name}\t${k.scope}\t${k.prefix}…\t${k.revokedAt ? `revoked ${k.revokedAt}` : `last used ${k.lastUsedAt ?? 'never'}`}`)
    })
}
