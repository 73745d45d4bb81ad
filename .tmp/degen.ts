import { fitModel, modelKinds } from '../src/domain/clv/models.ts'
const clockwork = Array.from({ length: 311 }, (_, i) => ({ x: 24, tx: (24 * 30) / 7, T: (24 * 30 + (i % 30)) / 7 }))
const oneDay = Array.from({ length: 200 }, () => ({ x: 0, tx: 0, T: 20 }))
const fewRepeat = [...Array.from({ length: 300 }, (_, i) => ({ x: 0, tx: 0, T: 10 + (i % 40) })), { x: 1, tx: 3, T: 30 }, { x: 2, tx: 8, T: 40 }]
for (const [name, data] of Object.entries({ clockwork, oneDay, fewRepeat })) for (const k of modelKinds) {
  const s = performance.now()
  const f = fitModel(k, data)
  console.log(name, k, (performance.now() - s).toFixed(0), 'ms', JSON.stringify(f.params), f.penalised, f.converged, f.iterations)
}
