import { SeededRandom } from '../../src/domain/random.ts'

/** Gamma(shape, rate) by Marsaglia & Tsang. */
export function gammaVariate(rnd: SeededRandom, shape: number, rate: number): number {
  if (shape < 1) return gammaVariate(rnd, shape + 1, rate) * Math.pow(1 - rnd.next(), 1 / shape)
  const d = shape - 1 / 3
  const c = 1 / Math.sqrt(9 * d)
  for (;;) {
    let x: number
    let v: number
    do {
      x = rnd.normal()
      v = 1 + c * x
    } while (v <= 0)
    v = v * v * v
    const u = 1 - rnd.next()
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return (d * v) / rate
  }
}

/**
 * Customers drawn from a known BG/NBD process (and Gamma-Gamma spend): the self-contained twin of
 * the CDNOW check, recovering known parameters from simulated data.
 */
export function simulateBgNbd(
  params: { r: number; alpha: number; a: number; b: number },
  spend: { p: number; q: number; gamma: number },
  customers: number,
  seed: number,
) {
  const rnd = new SeededRandom(seed)
  return Array.from({ length: customers }, () => {
    const T = 30 + rnd.next() * 9
    const lambda = gammaVariate(rnd, params.r, params.alpha)
    const g1 = gammaVariate(rnd, params.a, 1)
    const dropout = g1 / (g1 + gammaVariate(rnd, params.b, 1))
    const nu = gammaVariate(rnd, spend.q, spend.gamma)
    let t = 0
    let x = 0
    let tx = 0
    let total = 0
    for (;;) {
      if (rnd.next() < dropout && x > 0) break
      t += -Math.log(1 - rnd.next()) / lambda
      if (t > T) break
      x++
      tx = t
      total += gammaVariate(rnd, spend.p, nu)
      // The first purchase is at 0 and is not a repeat: dropout acts after each purchase.
    }
    return { x, tx, T, zbar: x > 0 ? total / x : 0 }
  })
}

/** Customers drawn from a known MBG/NBD process: as BG/NBD, but dropout may strike at the first purchase too. */
export function simulateMbgNbd(params: { r: number; alpha: number; a: number; b: number }, customers: number, seed: number) {
  const rnd = new SeededRandom(seed)
  return Array.from({ length: customers }, () => {
    const T = 30 + rnd.next() * 48
    const lambda = gammaVariate(rnd, params.r, params.alpha)
    const g1 = gammaVariate(rnd, params.a, 1)
    const dropout = g1 / (g1 + gammaVariate(rnd, params.b, 1))
    let t = 0
    let x = 0
    let tx = 0
    for (;;) {
      // After every purchase, the first one at time 0 included.
      if (rnd.next() < dropout) break
      t += -Math.log(1 - rnd.next()) / lambda
      if (t > T) break
      x++
      tx = t
    }
    return { x, tx, T }
  })
}

/** Customers drawn from a known Pareto/NBD process: purchases at rate λ until an exponential death at rate μ. */
export function simulateParetoNbd(params: { r: number; alpha: number; s: number; beta: number }, customers: number, seed: number) {
  const rnd = new SeededRandom(seed)
  return Array.from({ length: customers }, () => {
    const T = 30 + rnd.next() * 48
    const lambda = gammaVariate(rnd, params.r, params.alpha)
    const mu = gammaVariate(rnd, params.s, params.beta)
    const death = -Math.log(1 - rnd.next()) / mu
    const end = Math.min(T, death)
    let t = 0
    let x = 0
    let tx = 0
    for (;;) {
      t += -Math.log(1 - rnd.next()) / lambda
      if (t > end) break
      x++
      tx = t
    }
    return { x, tx, T }
  })
}

/**
 * Whole purchase histories (calendar days) drawn from one of the three models, for the model
 * choice: customers join over `joinDays` days before `endDay`, at most one purchase a day.
 */
export function simulateHistories(kind: 'bgnbd' | 'mbgnbd' | 'paretoNbd', params: Record<string, number>, customers: number, seed: number, endDay: number, joinDays = 365) {
  const rnd = new SeededRandom(seed)
  return Array.from({ length: customers }, (_, i) => {
    const first = endDay - Math.floor(rnd.next() * joinDays) - 1
    // Rates per week, as the models' time unit; purchases on whole days.
    const lambda = gammaVariate(rnd, params.r!, params.alpha!)
    let dropout = 0
    let death = Infinity
    if (kind === 'paretoNbd') death = -Math.log(1 - rnd.next()) / gammaVariate(rnd, params.s!, params.beta!)
    else {
      const g1 = gammaVariate(rnd, params.a!, 1)
      dropout = g1 / (g1 + gammaVariate(rnd, params.b!, 1))
    }
    const days = [first]
    let t = 0
    for (;;) {
      if (kind !== 'paretoNbd' && (kind === 'mbgnbd' || days.length > 1) && rnd.next() < dropout) break
      t += -Math.log(1 - rnd.next()) / lambda
      if (t > death) break
      const d = first + Math.floor(t * 7)
      if (d > endDay) break
      if (d > days.at(-1)!) days.push(d)
    }
    return { customerId: i + 1, orders: days.length, purchaseDays: days, dayValues: days.map(() => 3000), spendCents: days.length * 3000, firstOrderAt: new Date(first * 86_400_000).toISOString(), lastOrderAt: new Date(days.at(-1)! * 86_400_000).toISOString(), favouriteItems: [] }
  })
}
