import type { Command } from 'commander'
import { Option } from 'commander'
import { generatePassword, createUser, roles, setPassword } from '../services/users.ts'
import type { CliContext } from './context.ts'

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
}

export function registerUserCommands(program: Command, ctx: CliContext): void {
  const user = program.command('user').description('staff accounts')
  user
    .command('add <email>')
    .description('create a user; without --password-stdin a password is generated and printed once')
    .addOption(new Option('--role <role>', 'what the user may do').choices(roles).makeOptionMandatory())
    .option('--password-stdin', 'read the password from standard input')
    .action(async (email: string, opts: { role: string; passwordStdin?: boolean }) => {
      const password = opts.passwordStdin ? await readStdin() : generatePassword()
      const created = await createUser(ctx.db, { email, role: opts.role, password }, 'cli')
      console.log(`Created ${created.role} ${created.email}.`)
      if (!opts.passwordStdin) console.log(`Password (shown only now): ${password}`)
    })
  user
    .command('password <email>')
    .description("set a user's password; without --password-stdin a new one is generated and printed once")
    .option('--password-stdin', 'read the password from standard input')
    .action(async (email: string, opts: { passwordStdin?: boolean }) => {
      const password = opts.passwordStdin ? await readStdin() : generatePassword()
      await setPassword(ctx.db, email, password, 'cli')
      console.log(`Password of ${email} changed; their sessions were ended.`)
      if (!opts.passwordStdin) console.log(`New password (shown only now): ${password}`)
    })
}
