import { InvalidArgumentError, type Command } from 'commander'
import { loadDemoShop } from '../services/demo.ts'
import type { CliContext } from './context.ts'

export const positiveInt = (value: string): number => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of 1 or more')
  return n
}

export function registerDemoCommands(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description('load a realistic demo shop into an empty database')
    .option('--customers <n>', 'number of customers', positiveInt, 5000)
    .option('--seed <s>', 'random seed: the same seed and date give the same shop', '1')
    .option('--as-of <date>', "the shop's today (YYYY-MM-DD)", new Date().toISOString().slice(0, 10))
    .action((opts: { customers: number; seed: string; asOf: string }) => {
      const asOf = new Date(`${opts.asOf}T00:00:00Z`)
      if (Number.isNaN(asOf.getTime())) throw new InvalidArgumentError('--as-of must be a date (YYYY-MM-DD)')
      const seed = /^\d+$/.test(opts.seed) ? Number(opts.seed) : opts.seed
      const result = loadDemoShop(ctx.db, {
        customers: opts.customers,
        seed,
        asOf,
        defaultLocale: ctx.config.defaultLocale,
        defaultCurrency: ctx.config.defaultCurrency,
      })
      console.log(`Demo shop loaded: ${result.customers} customers, ${result.orders} orders, ${result.responses} survey answers.`)
    })
}
