import { InvalidArgumentError, Option, type Command } from 'commander'
import { findSegment } from '../services/segments.ts'
import { defaultCampaignOptions, inSendWindow, nextSendTime } from '../domain/campaign.ts'
import type { Campaign } from '../db/schema.ts'
import type { Incentive } from '../domain/rewards.ts'
import { MailSender } from '../jobs/sender.ts'
import { createMailTransport } from '../mail/transport.ts'
import { getCampaign, listCampaigns } from '../repos/campaigns.ts'
import { requeueInterruptedMessages } from '../repos/messages.ts'
import { campaignProgress } from '../repos/campaign-progress.ts'
import { campaignOptions, changeCampaignState, createCampaign } from '../services/campaigns.ts'
import { ensureDefaultSurvey } from '../services/surveys.ts'
import { CliFailure, type CliContext } from './context.ts'
import { inEnglish } from '../domain/errors.ts'
import { readNote } from '../domain/format.ts'

const storedNoteInEnglish = (stored: string) => {
  const n = readNote(stored)
  return typeof n === 'string' ? n : inEnglish(n)
}
import { positiveInt } from './demo.ts'

/** `coupon:10%`, `coupon:5EUR`, `points:200`. */
export function parseIncentive(spec: string, previous: Incentive[] = []): Incentive[] {
  const coupon = /^coupon:(\d+(?:[.,]\d{1,2})?)(%|[A-Za-z]{3})$/.exec(spec)
  const points = /^points:(\d+)$/.exec(spec)
  let incentive: Incentive
  if (coupon) {
    const value = Number(coupon[1]!.replace(',', '.'))
    incentive =
      coupon[2] === '%'
        ? { kind: 'coupon', percent: Math.round(value), currency: 'EUR', minOrderCents: 0, validDays: 30, prefix: 'CB' }
        : { kind: 'coupon', amountCents: Math.round(value * 100), currency: coupon[2]!.toUpperCase(), minOrderCents: 0, validDays: 30, prefix: 'CB' }
  } else if (points) {
    incentive = { kind: 'points', points: Number(points[1]) }
  } else {
    throw new InvalidArgumentError('use coupon:10%, coupon:5EUR or points:200')
  }
  return [...previous, incentive]
}

const logger = { info: () => {}, warn: (o: unknown, m?: string) => console.error(m ?? o), error: (o: unknown, m?: string) => console.error(m ?? o) }

export function registerCampaignCommands(program: Command, ctx: CliContext): void {
  const campaign = program.command('campaign').description('campaigns: create, list, send, pause, resume, cancel')

  campaign
    .command('create')
    .description('create a campaign with the builder’s options; prints its id')
    .requiredOption('--name <name>', 'the campaign’s name')
    .option('--segment <idOrName>', 'target a segment: a saved one by id or name, a built-in one by slug (reason-delivery, won-back, …)')
    .addOption(new Option('--lapse <status>', 'target customers of one lapse status').choices(['active', 'at_risk', 'lapsed', 'lost']))
    .option('--survey <id>', 'the survey (default: the default survey)', positiveInt)
    .option('--incentive <spec>', 'an incentive arm, repeatable: coupon:10%, coupon:5EUR, points:200', parseIncentive, [])
    .option('--holdout <pct>', 'share held out and never mailed, in %', (v) => Number(v), defaultCampaignOptions.holdoutPercent)
    .option('--reminders <n>', 'number of reminders', (v) => Number(v), defaultCampaignOptions.reminders)
    .option('--send-days <days>', 'weekdays to send on, 1 = Monday … 7 = Sunday, e.g. 1,2,3,4,5', (v) => v.split(',').map((d) => Number(d.trim())), defaultCampaignOptions.sendDays)
    .option('--send-from <hh:mm>', 'start of the daily send window', defaultCampaignOptions.sendFrom)
    .option('--send-to <hh:mm>', 'end of the daily send window', defaultCampaignOptions.sendTo)
    .option('--time-zone <zone>', 'the send window’s time zone', defaultCampaignOptions.timeZone)
    .option('--rate <n>', 'mails per minute, at most', (v) => Number(v), defaultCampaignOptions.ratePerMinute)
    .option('--quiet-days <n>', 'leave out customers another campaign mailed within this many days', (v) => Number(v), defaultCampaignOptions.quietDays)
    .option('--link-expiry <days>', 'days the survey links stay valid after the last mail', (v) => Number(v), defaultCampaignOptions.linkExpiryDays)
    .option('--follow-up-days <days>', 'days after a won-back customer’s first new order for a short check; 0: none', (v) => Number(v), defaultCampaignOptions.followUpDays)
    .option('--start', 'start sending at once')
    .action((opts: { name: string; segment?: string; lapse?: 'active' | 'at_risk' | 'lapsed' | 'lost'; survey?: number; incentive: Incentive[]; holdout: number; reminders: number; sendDays: number[]; sendFrom: string; sendTo: string; timeZone: string; rate: number; quietDays: number; linkExpiry: number; followUpDays: number; start?: boolean }) => {
      if (!opts.lapse && !opts.segment) throw new CliFailure('Give a target: --segment ID_OR_NAME, --lapse STATUS, or both.')
      // A segment by id, name or built-in slug; the campaign keeps its key and reads its rules when it starts.
      const segment = opts.segment ? findSegment(ctx.db, opts.segment).key : undefined
      const created = createCampaign(
        ctx.db,
        {
          ...defaultCampaignOptions,
          name: opts.name,
          target: { status: opts.lapse, segment },
          surveyId: opts.survey ?? ensureDefaultSurvey(ctx.db),
          incentives: opts.incentive.length ? opts.incentive : [{ kind: 'coupon', percent: 10, currency: 'EUR', minOrderCents: 0, validDays: 30, prefix: 'CB' }],
          holdoutPercent: opts.holdout,
          reminders: opts.reminders,
          reminderDays: [4, 7, 7, 7, 7].slice(0, Math.max(0, opts.reminders)),
          sendDays: opts.sendDays,
          sendFrom: opts.sendFrom,
          sendTo: opts.sendTo,
          timeZone: opts.timeZone,
          ratePerMinute: opts.rate,
          quietDays: opts.quietDays,
          linkExpiryDays: opts.linkExpiry,
          followUpDays: opts.followUpDays,
        },
        'cli',
      )
      if (opts.start) changeCampaignState(ctx.db, created.id, 'start', 'cli')
      console.log(created.id)
    })

  campaign
    .command('list')
    .description('list campaigns with their progress')
    .action(() => {
      const rows = listCampaigns(ctx.db)
      if (rows.length === 0) return console.log('No campaigns yet.')
      for (const c of rows) {
        const p = campaignProgress(ctx.db, c.id).total
        console.log(`${String(c.id).padStart(4)}  ${c.status.padEnd(9)}  ${c.name}  — members ${p.members}, held out ${p.holdout}, sent ${p.sent}, queued ${p.queued}, failed ${p.failed}, bounced ${p.bounced}, answered ${p.completed}`)
      }
    })

  campaign
    .command('send <id>')
    .description('run a campaign’s sending now (starting it if it is a draft); the server also sends in the background')
    .action(async (idText: string) => {
      const id = positiveInt(idText)
      const c = getCampaign(ctx.db, id)
      if (!c || c.kind !== 'campaign') throw new CliFailure(`No campaign ${id}`)
      // Messages cut off by a crash of an earlier run go out again; each may have arrived already.
      for (const m of requeueInterruptedMessages(ctx.db)) console.error(`in flight at the last stop, sending again (may arrive twice): message ${m.id} to ${m.toAddress}`)
      if (c.status === 'draft' || c.status === 'scheduled') changeCampaignState(ctx.db, id, 'start', 'cli')
      const sender = new MailSender(ctx.db, ctx.config, createMailTransport(ctx.config), logger as never)
      const sent = await sender.runOnce(() => new Date(), id)
      await sender.stop()
      const after = getCampaign(ctx.db, id)!
      const p = campaignProgress(ctx.db, id).total
      console.log(`Sent ${sent} now; campaign ${after.status}: ${p.sent} sent, ${p.queued} queued${after.pauseReason ? ` (${storedNoteInEnglish(after.pauseReason)})` : ''}.`)
      if (sent === 0 && p.queued > 0) console.log(whyNothingWentOut(after, new Date()))
    })

  for (const action of ['pause', 'resume', 'cancel'] as const) {
    campaign
      .command(`${action} <id>`)
      .description(`${action} a campaign`)
      .action((idText: string) => {
        const updated = changeCampaignState(ctx.db, positiveInt(idText), action, 'cli')
        console.log(`Campaign ${updated.id} is ${updated.status}.`)
      })
  }
}

/** Why a send run mailed nobody although mails are queued: paused, outside the send window (and when it opens), or not due yet. */
function whyNothingWentOut(c: Campaign, now: Date): string {
  if (c.status === 'paused') return `Nothing went out: the campaign is paused${c.pauseReason ? ` (${storedNoteInEnglish(c.pauseReason)})` : ''}; resume it with \`comeback campaign resume ${c.id}\`.`
  if (c.status !== 'sending') return `Nothing went out: the campaign is ${c.status}.`
  const options = campaignOptions(c)
  if (!inSendWindow(now, options)) {
    const next = nextSendTime(now, options)
    return `Nothing went out: outside the send window (${options.sendFrom}–${options.sendTo}, ${options.timeZone}, days ${options.sendDays.join(',')}); it opens next at ${next.toISOString().slice(0, 16).replace('T', ' ')} UTC.`
  }
  return `Nothing went out: the queued mails are not due yet (reminders wait their days) or the rate limit of ${options.ratePerMinute} a minute is used up; try again later.`
}
