import type { Command } from 'commander'
import { formatMoney, formatNumber } from '../domain/format.ts'
import { inEnglish } from '../domain/errors.ts'
import { lapseStatuses } from '../domain/lapse.ts'
import { translator } from '../locales/index.ts'
import { analyze } from '../services/analyze.ts'
import type { CliContext } from './context.ts'

export function registerAnalyzeCommands(program: Command, ctx: CliContext): void {
  program
    .command('analyze')
    .description('recompute history, lapse status, BG/NBD, Gamma-Gamma and CLV for every customer')
    .option('--as-of <date>', 'analyse the data as it stood on this date (later orders ignored), YYYY-MM-DD')
    .option('--json', 'print the summary as JSON')
    .action((opts: { asOf?: string; json?: boolean }) => {
      const result = analyze(ctx.db, { asOf: opts.asOf, trigger: 'cli' })
      if (opts.json) {
        console.log(JSON.stringify(result, null, 2))
        return
      }
      const en = translator('en')
      const lines = [`Analysis as of ${result.asOf}: ${formatNumber(result.customers)} customers who bought (${result.seconds.toFixed(1)} s).`]
      lines.push('', '  status      customers   value if won back   expected value')
      for (const s of lapseStatuses) {
        const b = result.byStatus[s]
        lines.push(`  ${en(`status.${s}`).padEnd(10)} ${formatNumber(b.customers).padStart(10)}   ${formatMoney(b.valueIfWonCents).padStart(17)}   ${formatMoney(b.expectedValueCents).padStart(14)}`)
      }
      lines.push('', `  Early warnings among active customers: ${formatNumber(result.earlyWarnings)}`)
      const m = result.models
      if (m.bgnbd) {
        lines.push(
          `  BG/NBD (${m.bgnbd.timeUnit}): r=${m.bgnbd.r.toFixed(4)} alpha=${m.bgnbd.alpha.toFixed(4)} a=${m.bgnbd.a.toFixed(4)} b=${m.bgnbd.b.toFixed(4)}, log-likelihood ${m.bgnbd.logLikelihood.toFixed(1)} over ${formatNumber(m.bgnbd.customers)} customers${m.bgnbd.converged ? '' : ' (not converged)'}`,
        )
      }
      if (m.gammaGamma) {
        lines.push(`  Gamma-Gamma: p=${m.gammaGamma.p.toFixed(4)} q=${m.gammaGamma.q.toFixed(4)} gamma=${m.gammaGamma.gamma.toFixed(4)} over ${formatNumber(m.gammaGamma.customers)} repeat buyers`)
      }
      for (const note of m.notes) lines.push(`  Note: ${typeof note === 'string' ? note : inEnglish(note)}`)
      console.log(lines.join('\n'))
    })
}
