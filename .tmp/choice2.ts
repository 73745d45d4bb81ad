import { analyseHistories } from '../src/domain/analysis.ts'
import { simulateHistories } from '../test/helpers/simulate.ts'
const end = Date.parse('2026-06-30') / 86_400_000
const cases: [string, Record<string, number>][] = [
  ['mbgnbd', { r: 2, alpha: 4, a: 2, b: 6 }],
  ['mbgnbd', { r: 1.5, alpha: 6, a: 1, b: 3 }],
  ['paretoNbd', { r: 2, alpha: 4, s: 2, beta: 40 }],
  ['bgnbd', { r: 2, alpha: 4, a: 1, b: 4 }],
]
for (const [kind, p] of cases) for (const seed of [1, 2, 3]) {
  const h = simulateHistories(kind as never, p, 8000, seed, end, 700)
  const r = analyseHistories(h, end)
  const m = r.summary.models.backtest!.meanAbsoluteError
  console.log(kind, JSON.stringify(p), seed, r.summary.models.chosen, Object.values(m).map((v) => v.toFixed(4)).join(' '))
}
