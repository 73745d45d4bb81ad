/** Small statistics helpers over plain arrays. */

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
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
export function quintileScorer(values: readonly number[], higherIsBetter = true): (v: number) => number {
  const sorted = Float64Array.from(values).sort()
  const cuts = [0.2, 0.4, 0.6, 0.8].map((q) => sorted[Math.max(0, Math.min(sorted.length - 1, Math.floor(q * sorted.length) - 1))] ?? 0)
  return (v: number) => {
    let score = 1
    for (const cut of cuts) if (v > cut) score++
    return higherIsBetter ? score : 6 - score
  }
}
