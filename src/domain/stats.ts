/** Small statistics helpers over plain arrays. */

let scratch = new Float64Array(64)

export function median(values: ArrayLike<number>): number | null {
  const n = values.length
  if (n === 0) return null
  // The analysis takes medians of millions of short lists: sorted in a reused buffer, by insertion while short.
  if (n > 4096) return middle(Float64Array.from(values).sort())
  if (scratch.length < n) scratch = new Float64Array(2 * n)
  const sorted = scratch.subarray(0, n)
  if (n <= 32) {
    for (let i = 0; i < n; i++) {
      const v = values[i]!
      let j = i
      while (j > 0 && sorted[j - 1]! > v) {
        sorted[j] = sorted[j - 1]!
        j--
      }
      sorted[j] = v
    }
  } else {
    for (let i = 0; i < n; i++) sorted[i] = values[i]!
    sorted.sort()
  }
  return middle(sorted)
}

const middle = (sorted: Float64Array) => {
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null
  let s = 0
  for (const v of values) s += v
  return s / values.length
}

/**
 * Quintile scores 1–5 by value: the cut points are the 20/40/60/80% quantiles, and equal
 * values always get the same score. `higherIsBetter: false` turns the scale round (recency).
 */
export function quintileScorer(values: ArrayLike<number>, higherIsBetter = true): (v: number) => number {
  const sorted = Float64Array.from(values).sort()
  const cuts = [0.2, 0.4, 0.6, 0.8].map((q) => sorted[Math.max(0, Math.min(sorted.length - 1, Math.floor(q * sorted.length) - 1))] ?? 0)
  return (v: number) => {
    let score = 1
    for (const cut of cuts) if (v > cut) score++
    return higherIsBetter ? score : 6 - score
  }
}
