/**
 * Limited-memory BFGS (Nocedal & Wright, Algorithm 7.4/7.5) with a backtracking Armijo line
 * search: a compact minimiser for the smooth log-likelihoods of the CLV models.
 */

export interface MinimizeResult {
  x: number[]
  value: number
  /** The curvature pairs at the end: a later minimisation of a similar objective may start with them. */
  curvature: { s: number[][]; y: number[][] }
  iterations: number
  evaluations: number
  converged: boolean
  gradientNorm: number
}

export interface MinimizeOptions {
  maxIterations?: number
  /** Stop when the largest gradient component is below this. */
  gradientTolerance?: number
  /** Stop when the objective improves by less than this (relative). */
  valueTolerance?: number
  memory?: number
  /** Stop (not converged) as soon as an iterate satisfies this: the caller knows the answer is no use. */
  giveUpAt?: (x: readonly number[]) => boolean
  /** Curvature pairs of a similar objective (an earlier result's `curvature`) to start with. */
  curvature?: { s: number[][]; y: number[][] }
}

/** `fg(x)` returns the objective and writes its gradient into `grad`. */
export type ObjectiveWithGradient = (x: number[], grad: number[]) => number

export function minimizeLbfgs(fg: ObjectiveWithGradient, x0: readonly number[], options: MinimizeOptions = {}): MinimizeResult {
  const n = x0.length
  const maxIterations = options.maxIterations ?? 500
  const gtol = options.gradientTolerance ?? 1e-9
  const ftol = options.valueTolerance ?? 1e-14
  const m = options.memory ?? 8

  let x = [...x0]
  let g = new Array<number>(n).fill(0)
  let f = fg(x, g)
  let evaluations = 1
  if (!Number.isFinite(f)) throw new Error('objective is not finite at the starting point')
  const S: number[][] = options.curvature ? options.curvature.s.map((v) => [...v]) : []
  const Y: number[][] = options.curvature ? options.curvature.y.map((v) => [...v]) : []
  const rho: number[] = Y.map((y, i) => 1 / dot(S[i]!, y))
  let iterations = 0
  let converged = maxAbs(g) < gtol

  while (!converged && iterations < maxIterations) {
    iterations++
    // Two-loop recursion: d = -H g.
    const q = [...g]
    const alpha = new Array<number>(S.length)
    for (let i = S.length - 1; i >= 0; i--) {
      alpha[i] = rho[i]! * dot(S[i]!, q)
      axpy(-alpha[i]!, Y[i]!, q)
    }
    let gamma = 1
    if (S.length > 0) {
      const last = S.length - 1
      gamma = dot(S[last]!, Y[last]!) / dot(Y[last]!, Y[last]!)
    } else {
      // First step: a unit-length move, whatever the scale of the gradient.
      gamma = 1 / Math.max(1, Math.sqrt(dot(g, g)))
    }
    for (let i = 0; i < q.length; i++) q[i]! *= gamma
    for (let i = 0; i < S.length; i++) {
      const beta = rho[i]! * dot(Y[i]!, q)
      axpy(alpha[i]! - beta, S[i]!, q)
    }
    let d = q.map((v) => -v)
    let slope = dot(g, d)
    if (!(slope < 0)) {
      // Not a descent direction (lost curvature): restart from steepest descent.
      S.length = Y.length = rho.length = 0
      d = g.map((v) => -v / Math.max(1, Math.sqrt(dot(g, g))))
      slope = dot(g, d)
    }

    // Backtracking line search with the Armijo condition; non-finite values count as too far.
    let step = 1
    let xNew: number[] = x
    const gNew = new Array<number>(n).fill(0)
    let fNew = Infinity
    for (let k = 0; k < 60; k++) {
      xNew = x.map((v, i) => v + step * d[i]!)
      fNew = fg(xNew, gNew)
      evaluations++
      if (Number.isFinite(fNew) && fNew <= f + 1e-4 * step * slope) break
      step *= 0.5
    }
    if (!(fNew <= f + 1e-4 * step * slope)) break

    const s = xNew.map((v, i) => v - x[i]!)
    const y = gNew.map((v, i) => v - g[i]!)
    const sy = dot(s, y)
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (S.length === m) {
        S.shift()
        Y.shift()
        rho.shift()
      }
      S.push(s)
      Y.push(y)
      rho.push(1 / sy)
    }
    const improvement = f - fNew
    x = xNew
    g = [...gNew]
    f = fNew
    if (maxAbs(g) < gtol || improvement <= ftol * Math.max(1, Math.abs(f))) converged = true
    else if (options.giveUpAt?.(x)) break
  }
  return { x, value: f, iterations, evaluations, converged, gradientNorm: maxAbs(g), curvature: { s: S, y: Y } }
}

function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!
  return s
}

function axpy(a: number, x: readonly number[], y: number[]): void {
  for (let i = 0; i < y.length; i++) y[i]! += a * x[i]!
}

function maxAbs(v: readonly number[]): number {
  let m = 0
  for (const x of v) m = Math.max(m, Math.abs(x))
  return m
}
