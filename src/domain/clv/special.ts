import digamma from '@stdlib/math-base-special-digamma'
import gammaln from '@stdlib/math-base-special-gammaln'

export { digamma, gammaln }

/** log(exp(a) + exp(b)) without overflow. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b
  if (b === -Infinity) return a
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b))
}

/**
 * log of the Gauss hypergeometric function 2F1(a, b; c; z) for a, b, c > 0 and 0 ≤ z < 1, by its
 * power series summed in log space (terms are positive here), so that large parameters cannot
 * overflow. Slow only near z = 1; callers use the Pfaff form below when they can.
 */
export function logHyp2f1Series(a: number, b: number, c: number, z: number, maxTerms = 200_000): number {
  if (z === 0) return 0
  if (!(z > 0 && z < 1)) throw new RangeError(`logHyp2f1Series needs 0 ≤ z < 1, got ${z}`)
  // Sum of terms t_k / t_max, tracking log t_max: the terms first grow (large a, b) then decay.
  let logTerm = 0
  let logScale = 0
  let sum = 1
  const logZ = Math.log(z)
  for (let k = 0; k < maxTerms; k++) {
    const step = Math.log(((a + k) * (b + k)) / ((c + k) * (k + 1))) + logZ
    logTerm += step
    if (logTerm > logScale) {
      sum = sum * Math.exp(logScale - logTerm) + 1
      logScale = logTerm
    } else {
      const rel = Math.exp(logTerm - logScale)
      sum += rel
      // Past the peak the terms shrink at least geometrically: stop once they no longer count.
      if (step < 0 && rel < 1e-17 * sum) break
    }
  }
  return logScale + Math.log(sum)
}

/**
 * 2F1(a, b; c; w) for |w| < 1 by its plain series; terms may alternate in sign (w < 0).
 * Used for the Pfaff-transformed form of the BG/NBD expectation, where it converges fast.
 */
export function hyp2f1Series(a: number, b: number, c: number, w: number, maxTerms = 100_000): number {
  if (!(Math.abs(w) < 1)) throw new RangeError(`hyp2f1Series needs |w| < 1, got ${w}`)
  let term = 1
  let sum = 1
  for (let k = 0; k < maxTerms; k++) {
    term *= (((a + k) * (b + k)) / ((c + k) * (k + 1))) * w
    sum += term
    if (Math.abs(term) < 1e-16 * Math.abs(sum)) return sum
    if (term === 0) return sum
  }
  return sum
}
