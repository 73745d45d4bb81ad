import { minimizeLbfgs } from './lbfgs.ts'
import { digamma, gammaln, hyp2f1Series, logAddExp, logHyp2f1Series } from './special.ts'

/**
 * The BG/NBD model of Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way".
 * A customer buys at rate λ ~ Gamma(r, α) while alive and drops out after each purchase with
 * probability p ~ Beta(a, b). All times (t_x, T, horizons, and so α) are in one time unit,
 * chosen by the caller; `timeUnit` travels with the parameters so that it cannot be lost.
 */

/** One customer's calibration summary: repeat purchases x, time of the last one t_x, age T. */
export interface PurchaseSummary {
  x: number
  tx: number
  T: number
}

export interface BgNbdParams {
  r: number
  alpha: number
  a: number
  b: number
}

export interface BgNbdFit {
  params: BgNbdParams
  logLikelihood: number
  customers: number
  iterations: number
  converged: boolean
}

/** Customers sharing (x, t_x, T) are computed once, weighted by their count. */
export class SummaryGroups {
  readonly x: number[] = []
  readonly tx: number[] = []
  readonly T: number[] = []
  readonly count: number[] = []
  /** The distinct values of x, so that gamma functions of x are computed once per value. */
  readonly distinctX: number[] = []
  /** For each group, the index of its x in distinctX. */
  readonly xIndex: number[] = []
  total = 0

  private readonly groups = new Map<number | string, number>()
  private readonly xs = new Map<number, number>()

  constructor(summaries: Iterable<PurchaseSummary>) {
    for (const s of summaries) this.add(s)
  }

  /**
   * Adds one customer; returns the index of their group. `key` identifies (x, t_x, T) when the
   * caller has a cheaper one than their joined text (a number from whole days).
   */
  add(s: PurchaseSummary, key: number | string = `${s.x}|${s.tx}|${s.T}`): number {
    if (!(s.x >= 0 && Number.isInteger(s.x) && s.tx >= 0 && s.T >= s.tx && s.T > 0)) {
      throw new RangeError(`invalid purchase summary ${JSON.stringify(s)}`)
    }
    const at = this.groups.get(key)
    if (at !== undefined) {
      this.count[at]!++
      this.total++
      return at
    }
    this.groups.set(key, this.x.length)
    return this.push(s.x, s.tx, s.T, 1)
  }

  get size(): number {
    return this.x.length
  }

  /** No more customers will be added: the lookup of groups is let go (it held about as much as the groups). */
  seal(): void {
    this.groups.clear()
  }

  /** Groups from their columns (as another thread sends them). */
  static fromColumns(x: ArrayLike<number>, tx: ArrayLike<number>, T: ArrayLike<number>, count: ArrayLike<number>): SummaryGroups {
    const groups = new SummaryGroups([])
    for (let j = 0; j < x.length; j++) groups.push(x[j]!, tx[j]!, T[j]!, count[j]!)
    return groups
  }

  /** A group known to be new (no lookup). */
  private push(x: number, tx: number, T: number, count: number): number {
    let xi = this.xs.get(x)
    if (xi === undefined) {
      xi = this.distinctX.length
      this.xs.set(x, xi)
      this.distinctX.push(x)
    }
    this.x.push(x)
    this.tx.push(tx)
    this.T.push(T)
    this.count.push(count)
    this.xIndex.push(xi)
    this.total += count
    return this.x.length - 1
  }

  /** Every k-th group with its count: a smaller data set of about the same shape (each customer is in it with probability 1/k). */
  sample(every: number): SummaryGroups {
    const sample = new SummaryGroups([])
    for (let j = 0; j < this.size; j += every) sample.push(this.x[j]!, this.tx[j]!, this.T[j]!, this.count[j]!)
    return sample
  }
}

/**
 * Log-likelihood of the data and its gradient with respect to the log-parameters
 * (log r, log α, log a, log b), in log space throughout so that large x and T stay finite.
 */
export function bgnbdLogLikelihood(params: BgNbdParams, data: SummaryGroups, gradient?: number[]): number {
  return betaGeoLogLikelihood(params, data, gradient, 0)
}

/**
 * The likelihood of the beta-geometric family: BG/NBD (`first` = 0: dropout only after a repeat
 * purchase) and MBG/NBD (`first` = 1: after the first purchase too, which shifts b by one and
 * lets one-time buyers drop out). L = B(a, b+x+first)/B(a, b) · Γ(r+x) α^r / Γ(r) ·
 * [(α+T)^−(r+x) + [x > 0 or first] · a/(b+x−1+first) · (α+t_x)^−(r+x)].
 */
export function betaGeoLogLikelihood(params: BgNbdParams, data: SummaryGroups, gradient: number[] | undefined, first: 0 | 1): number {
  const { r, alpha, a, b } = params
  const nx = data.distinctX.length
  // Terms that depend on x only.
  const lgX = new Float64Array(nx)
  const dR = new Float64Array(nx)
  const dA = new Float64Array(nx)
  const dB = new Float64Array(nx)
  const logBx = new Float64Array(nx)
  const lgAB = gammaln(a + b)
  const lgR = gammaln(r)
  const lgB = gammaln(b)
  const psiR = digamma(r)
  const psiAB = digamma(a + b)
  const psiB = digamma(b)
  for (let i = 0; i < nx; i++) {
    const x = data.distinctX[i]!
    lgX[i] = gammaln(r + x) - lgR + lgAB + gammaln(b + x + first) - lgB - gammaln(a + b + x + first)
    if (gradient) {
      const psiABX = digamma(a + b + x + first)
      dR[i] = digamma(r + x) - psiR
      dA[i] = psiAB - psiABX
      dB[i] = psiAB + digamma(b + x + first) - psiB - psiABX
    }
    logBx[i] = x + first > 0 ? Math.log(b + x - 1 + first) : 0
  }
  const logAlpha = Math.log(alpha)
  const logA = Math.log(a)
  let ll = 0
  let gr = 0
  let gAlpha = 0
  let ga = 0
  let gb = 0
  for (let j = 0; j < data.size; j++) {
    const xi = data.xIndex[j]!
    const x = data.x[j]!
    const n = data.count[j]!
    const T = data.T[j]!
    const logAT = Math.log(alpha + T)
    const a3 = -(r + x) * logAT
    let w4 = 0
    let logTail = a3
    let logAtx = 0
    if (x + first > 0) {
      logAtx = Math.log(alpha + data.tx[j]!)
      const a4 = logA - logBx[xi]! - (r + x) * logAtx
      logTail = logAddExp(a3, a4)
      w4 = Math.exp(a4 - logTail)
    }
    ll += n * (lgX[xi]! + r * logAlpha + logTail)
    if (gradient) {
      const w3 = 1 - w4
      gr += n * (dR[xi]! + logAlpha - w3 * logAT - w4 * logAtx)
      gAlpha += n * (r / alpha - (r + x) * (w3 / (alpha + T) + (w4 > 0 ? w4 / (alpha + data.tx[j]!) : 0)))
      ga += n * (dA[xi]! + w4 / a)
      gb += n * (dB[xi]! - (w4 > 0 ? w4 / (b + x - 1 + first) : 0))
    }
  }
  if (gradient) {
    // Chain rule to log-parameters: d/d log θ = θ d/dθ.
    gradient[0] = gr * r
    gradient[1] = gAlpha * alpha
    gradient[2] = ga * a
    gradient[3] = gb * b
  }
  return ll
}

/** Maximum-likelihood fit (L-BFGS over the log-parameters). */
export function fitBgNbd(summaries: Iterable<PurchaseSummary> | SummaryGroups, start?: BgNbdParams): BgNbdFit {
  const data = summaries instanceof SummaryGroups ? summaries : new SummaryGroups(summaries)
  if (data.total === 0) throw new RangeError('no customers to fit')
  const meanT = data.T.reduce((s, T, i) => s + T * data.count[i]!, 0) / data.total
  const s0 = start ?? { r: 1, alpha: Math.max(meanT / 4, 1e-3), a: 1, b: 1 }
  const n = data.total
  // Minimise the mean negative log-likelihood: the same tolerances suit any number of customers.
  const objective = (phi: number[], grad: number[]) => {
    if (phi.some((v) => v > 30 || v < -30)) return Infinity
    const p = { r: Math.exp(phi[0]!), alpha: Math.exp(phi[1]!), a: Math.exp(phi[2]!), b: Math.exp(phi[3]!) }
    const ll = bgnbdLogLikelihood(p, data, grad)
    for (let i = 0; i < 4; i++) grad[i] = -grad[i]! / n
    return -ll / n
  }
  const result = minimizeLbfgs(objective, [Math.log(s0.r), Math.log(s0.alpha), Math.log(s0.a), Math.log(s0.b)], {
    gradientTolerance: 1e-9,
    valueTolerance: 1e-15,
  })
  const [r, alpha, a, b] = result.x.map(Math.exp) as [number, number, number, number]
  return {
    params: { r, alpha, a, b },
    logLikelihood: -result.value * n,
    customers: n,
    iterations: result.iterations,
    converged: result.converged,
  }
}

/** P(alive at T | x, t_x, T). A customer without repeat purchases is alive: p acts only after a purchase. */
export function pAlive(p: BgNbdParams, c: PurchaseSummary): number {
  if (c.x === 0) return 1
  const logRatio = Math.log(p.a) - Math.log(p.b + c.x - 1) + (p.r + c.x) * (Math.log(p.alpha + c.T) - Math.log(p.alpha + c.tx))
  return 1 / (1 + Math.exp(logRatio))
}

/**
 * Expected purchases in (T, T + t] for a customer who is still alive:
 * (a+b+x-1)/(a-1) · [1 − ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; t/(α+T+t))].
 */
export function expectedPurchasesIfAlive(p: BgNbdParams, c: PurchaseSummary, t: number): number {
  if (t <= 0) return 0
  if (Math.abs(p.a - 1) < 1e-9) {
    // The limit a → 1 is finite; nudge a off the removable singularity.
    return expectedPurchasesIfAlive({ ...p, a: p.a + 2e-9 }, c, t)
  }
  const A = p.r + c.x
  const B = p.b + c.x
  const C = p.a + p.b + c.x - 1
  const w = -t / (p.alpha + c.T)
  let tail: number
  if (w > -0.75) {
    // Pfaff: (1−z)^A 2F1(A, B; C; z) = 2F1(A, C−B; C; z/(z−1)), and z/(z−1) = −t/(α+T): a short series.
    tail = hyp2f1Series(A, C - B, C, w)
  } else {
    const z = t / (p.alpha + c.T + t)
    tail = Math.exp(A * Math.log1p(-z) + logHyp2f1Series(A, B, C, z))
  }
  return (C / (p.a - 1)) * (1 - tail)
}

/** E[Y(t) | x, t_x, T]: expected purchases in the next t time units (FHL 2005, eq. 10). */
export function expectedPurchases(p: BgNbdParams, c: PurchaseSummary, t: number): number {
  return pAlive(p, c) * expectedPurchasesIfAlive(p, c, t)
}

/** E[X(t)] for a customer just acquired (FHL 2005, eq. 9): the expected repeat purchases by age t. */
export function expectedPurchasesNewCustomer(p: BgNbdParams, t: number): number {
  if (t <= 0) return 0
  return expectedPurchasesIfAlive(p, { x: 0, tx: 0, T: 0 }, t)
}
