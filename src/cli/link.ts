import type { Command } from 'commander'
import { z } from 'zod'
import { getCustomerByExternalId } from '../repos/customers.ts'
import { createSurveyLink } from '../services/links.ts'
import { CliFailure, type CliContext } from './context.ts'

export function registerLinkCommands(program: Command, ctx: CliContext): void {
  program
    .command('link <customerId>')
    .description("print a personal survey link for one customer (the shop's customer id)")
    .option('--campaign <id>', 'the campaign the link belongs to (default: the standing "personal links" campaign)')
    .action((customerId: string, opts: { campaign?: string }) => {
      const customer = getCustomerByExternalId(ctx.db, customerId)
      if (!customer) throw new CliFailure(`No customer ${customerId}`)
      const campaignId = opts.campaign === undefined ? undefined : z.coerce.number().int().positive().parse(opts.campaign)
      const link = createSurveyLink(ctx.db, customer.id, { baseUrl: ctx.config.baseUrl, actor: 'cli', campaignId })
      console.log(link.url)
      console.error(`Valid until ${link.expiresAt.slice(0, 10)} (campaign "${link.campaign.name}"). A new link for the same customer replaces this one.`)
    })
}
