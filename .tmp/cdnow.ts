import { readCdnowSummary } from '../test/helpers/cdnow.ts'
import { fitModel } from '../src/domain/clv/models.ts'
for (const k of ['bgnbd', 'mbgnbd', 'paretoNbd'] as const) {
  const s = performance.now()
  const f = fitModel(k, readCdnowSummary())
  console.log(k, JSON.stringify(f), (performance.now() - s).toFixed(1), 'ms')
}
