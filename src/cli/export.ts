import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import type { Command } from 'commander'
import { z } from 'zod'
import { translator } from '../locales/index.ts'
import { exportFormats, exportPurposes, exportSegment } from '../services/export.ts'
import { findSegment } from '../services/segments.ts'
import { CliFailure, type CliContext } from './context.ts'

const exportOptions = z.object({
  out: z.string().optional(),
  delimiter: z.enum([';', ','], { error: 'must be ";" or ","' }).default(';'),
  purpose: z.enum(exportPurposes, { error: `must be one of ${exportPurposes.join(', ')}` }).default('analysis'),
  format: z.enum(exportFormats, { error: `must be one of ${exportFormats.join(', ')}` }).default('csv'),
})

export function registerExportCommands(program: Command, ctx: CliContext): void {
  program
    .command('export')
    .description('export data')
    .command('segment <idOrName>')
    .description('write a segment as CSV (UTF-8 with BOM): to stdout, or to a file with --out; built-in segments by their slug, e.g. reason-delivery')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--delimiter <char>', 'the separator: ";" (default, German Excel) or ","')
    .option('--purpose <purpose>', `${exportPurposes.join(' | ')}: a contact purpose holds only who may be contacted on that channel`)
    .option('--format <format>', `${exportFormats.join(' | ')}: meta and google are hashed ad audiences (email consent granted only)`)
    .action(async (idOrName: string, raw: Record<string, string | undefined>) => {
      const parsed = exportOptions.safeParse(raw)
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!
        throw new CliFailure(`--${issue.path.join('.')} ${issue.message}`, 2)
      }
      const opts = parsed.data
      const segment = findSegment(ctx.db, idOrName)
      const out = opts.out ? createWriteStream(opts.out) : process.stdout
      const written = opts.out ? once(out, 'finish') : Promise.resolve()
      const rows = await exportSegment(ctx.db, segment, { ...opts, actor: 'cli', t: translator(ctx.config.defaultLocale) }, out)
      // The file is complete on disk before the command ends.
      await written
      console.error(`${rows} row(s) exported${opts.out ? ` to ${opts.out}` : ''}.`)
    })
}
