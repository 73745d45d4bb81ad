import { analyseHistories } from '../src/domain/analysis.ts'
import { simulateHistories } from '../test/helpers/simulate.ts'
const end = Date.parse('2026-06-30') / 86_400_000
const cases = {
  bgnbd: { r: 0.8, alpha: 4, a: 0.6, b: 1.2 },
  mbgnbd: { r: 0.8, alpha: 4, a: 1.2, b: 1.2 },
  paretoNbd: { r: 0.8, alpha: 4, s: 1.5, beta: 20 },
} as const
for (const [kind, p] of Object.entries(cases)) for (const seed of [1, 2]) {
  const h = simulateHistories(kind as never, p, 8000, seed, end, 700)
  const s = performance.now()
  const r = analyseHistories(h, end)
  console.log(kind, seed, r.summary.models.chosen, r.summary.models.chosenBy, JSON.stringify(r.summary.models.backtest?.meanAbsoluteError), (performance.now() - s).toFixed(0), 'ms')
}
