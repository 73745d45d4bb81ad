import { existsSync } from 'node:fs'
import { Argument, type Command } from 'commander'
import { SingleBar, Presets } from 'cli-progress'
import { formatBytes } from '../domain/format.ts'
import { importKinds, type ImportKind } from '../domain/import-records.ts'
import { analyze } from '../services/analyze.ts'
import { startImportRun, type ImportReport } from '../services/import.ts'
import { CliFailure, type CliContext } from './context.ts'

const LISTED_PROBLEMS = 50

export function registerImportCommands(program: Command, ctx: CliContext): void {
  program
    .command('import')
    .description('import customers.csv, orders.csv or events.csv (all-or-nothing unless --skip-invalid)')
    .addArgument(new Argument('<kind>', 'what the file holds').choices([...importKinds]))
    .argument('<file>', 'the CSV file')
    .option('--dry-run', 'check the file and report, change nothing')
    .option('--skip-invalid', 'import the valid rows and report the invalid ones')
    .action(async (kind: ImportKind, file: string, opts: { dryRun?: boolean; skipInvalid?: boolean }) => {
      if (!existsSync(file)) throw new CliFailure(`No such file: ${file}`, 2)
      const showBar = process.stderr.isTTY && !process.env.CI
      const bar = new SingleBar(
        { format: ' {bar} {percentage}% | {rows} rows | {done} of {size}', hideCursor: true, stream: process.stderr },
        Presets.shades_classic,
      )
      let started = false
      const { done } = startImportRun(
        ctx.db,
        file,
        {
          kind,
          dryRun: opts.dryRun,
          skipInvalid: opts.skipInvalid,
          actor: `cli:${process.env.USER ?? 'unknown'}`,
          defaultLocale: ctx.config.defaultLocale,
          defaultCurrency: ctx.config.defaultCurrency,
        },
        (p) => {
          if (!showBar) return
          const values = { rows: p.rowsRead.toLocaleString('en'), done: formatBytes(p.bytesRead), size: formatBytes(p.totalBytes) }
          if (!started) {
            bar.start(Math.max(1, p.totalBytes), 0, values)
            started = true
          }
          bar.update(p.bytesRead, values)
        },
      )
      const report = await done.finally(() => started && bar.stop())
      console.log(describeReport(report))
      if (report.imported) {
        const analysis = analyze(ctx.db, { trigger: 'import' })
        console.log(`Analysis updated: ${analysis.customers} customers who bought, as of ${analysis.asOf}.`)
      }
      if (report.fileError || (report.invalidRows > 0 && !report.skipInvalid)) process.exitCode = 1
    })
}

export function describeReport(r: ImportReport): string {
  const lines: string[] = []
  if (r.fileError) {
    lines.push(`Nothing was imported. ${r.fileError}`)
  } else {
    const verb = r.imported ? '' : 'would be '
    const head = r.dryRun
      ? 'Dry run: nothing was changed.'
      : r.imported
        ? `Imported ${r.kind}.`
        : `Nothing was imported: ${r.invalidRows} invalid row(s). Fix them or use --skip-invalid.`
    lines.push(head)
    lines.push(
      `  ${r.rowsRead} rows read: ${r.inserted} ${verb}new, ${r.updated} ${verb}updated, ${r.unchanged} unchanged, ${r.invalidRows} invalid${r.imported && r.invalidRows ? ' (skipped)' : ''}.`,
    )
    if (r.couponsRedeemed) lines.push(`  ${r.couponsRedeemed} coupon(s) redeemed.`)
  }
  for (const w of r.warnings) lines.push(`  Note: ${w}`)
  if (r.problems.length > 0) {
    lines.push('Invalid rows:')
    for (const p of r.problems.slice(0, LISTED_PROBLEMS)) {
      lines.push(`  line ${p.line}${p.column ? `, ${p.column}` : ''}: ${p.reason}`)
    }
    const more = r.invalidRows - Math.min(LISTED_PROBLEMS, r.problems.length)
    if (more > 0) lines.push(`  … and ${more} more (the web UI lists up to 1,000).`)
  }
  return lines.join('\n')
}
