import type { Command } from 'commander'
import { formatMoney, formatNumber } from '../domain/format.ts'
import { inEnglish } from '../domain/errors.ts'
import { lapseStatuses } from '../domain/lapse.ts'
import { translator } from '../locales/index.ts'
import { modelNames, type ModelChoice } from '../domain/analysis.ts'
import { modelKinds } from '../domain/clv/models.ts'
import { analyze, type AnalysisProgress } from '../services/analyze.ts'
import { CliFailure } from './context.ts'

const modelOptions: Record<string, ModelChoice> = { auto: 'auto', bgnbd: 'bgnbd', mbgnbd: 'mbgnbd', pareto: 'paretoNbd' }
import type { CliContext } from './context.ts'

const phaseWords: Record<AnalysisProgress['phase'], string> = { reading: 'Reading orders', fitting: 'Fitting the models', writing: 'Writing figures' }

/** Progress on stderr (stdout keeps the result, JSON or text): on a terminal one line kept up to date, elsewhere each phase once. */
function progressOnStderr() {
  let phase = ''
  return (p: AnalysisProgress) => {
    const line = `${phaseWords[p.phase]}: ${formatNumber(p.customers)} of ${formatNumber(p.of)} customers`
    if (process.stderr.isTTY) process.stderr.write(`\r${line}\x1b[K${p.phase === 'writing' && p.customers === p.of ? '\n' : ''}`)
    else if (p.phase !== phase) process.stderr.write(`${phaseWords[p.phase]}…\n`)
    phase = p.phase
  }
}

export function registerAnalyzeCommands(program: Command, ctx: CliContext): void {
  program
    .command('analyze')
    .description('recompute history, lapse status, BG/NBD, Gamma-Gamma and CLV for every customer')
    .option('--as-of <date>', 'analyse the data as it stood on this date (later orders ignored), YYYY-MM-DD')
    .option('--model <model>', 'auto (the best in the back-test; the default), bgnbd, mbgnbd or pareto: the model for P(alive) and CLV in this run')
    .option('--json', 'print the summary as JSON')
    .action((opts: { asOf?: string; json?: boolean; model?: string }) => {
      const model = opts.model === undefined ? undefined : modelOptions[opts.model]
      if (opts.model !== undefined && !model) throw new CliFailure(`--model must be one of ${Object.keys(modelOptions).join(', ')}`)
      const result = analyze(ctx.db, { asOf: opts.asOf, trigger: 'cli', model, onProgress: progressOnStderr() })
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
      for (const kind of modelKinds) {
        const f = m[kind]
        if (!f) continue
        const params = (kind === 'paretoNbd' ? ['r', 'alpha', 's', 'beta'] : ['r', 'alpha', 'a', 'b']).map((p) => `${p}=${(f[p] as number).toFixed(4)}`).join(' ')
        const flags = [f.penalised ? 'unreliable: held back by a penalty' : '', f.converged ? '' : 'not converged', m.chosen === kind ? `chosen (${m.chosenBy})` : ''].filter(Boolean).join('; ')
        const error = m.backtest?.fits[kind] ? `, back-test error ${m.backtest.meanAbsoluteError[kind].toFixed(3)}` : ''
        lines.push(`  ${modelNames[kind].padEnd(10)} (${f.timeUnit}): ${params}, log-likelihood ${f.logLikelihood.toFixed(1)} over ${formatNumber(f.customers)} customers${error}${flags ? ` [${flags}]` : ''}`)
      }
      if (!m.chosen && modelKinds.some((k) => m[k])) lines.push('  No model can be trusted on this data: no P(alive) or CLV; the lapse status decides.')
      if (m.gammaGamma) {
        lines.push(`  Gamma-Gamma: p=${m.gammaGamma.p.toFixed(4)} q=${m.gammaGamma.q.toFixed(4)} gamma=${m.gammaGamma.gamma.toFixed(4)} over ${formatNumber(m.gammaGamma.customers)} repeat buyers`)
      }
      for (const note of m.notes) lines.push(`  Note: ${typeof note === 'string' ? note : inEnglish(note)}`)
      console.log(lines.join('\n'))
    })
}
