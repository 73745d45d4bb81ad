import { scaleBand, scaleLinear } from 'd3-scale'

/**
 * Chart geometry for server-side SVG: scales and ticks from d3-scale, the drawing in a template
 * (views/partials/bar-chart.eta). Every chart also travels with its numbers for an accessible table.
 */

export interface BarChartInput {
  categories: string[]
  series: { name: string; values: number[]; className?: string }[]
  formatValue?: (v: number) => string
  width?: number
  height?: number
}

export interface BarChartModel {
  width: number
  height: number
  plot: { left: number; top: number; right: number; bottom: number }
  bars: { x: number; y: number; width: number; height: number; className: string; title: string }[]
  xLabels: { x: number; text: string }[]
  yTicks: { y: number; text: string }[]
  legend: { name: string; className: string }[]
}

export function barChart(input: BarChartInput): BarChartModel {
  const width = input.width ?? 640
  const height = input.height ?? 260
  const format = input.formatValue ?? ((v: number) => String(Math.round(v * 100) / 100))
  const max = Math.max(0, ...input.series.flatMap((s) => s.values.filter(Number.isFinite)))
  // The value labels sit inside the plot, left-aligned above their grid lines: however long
  // ("100.000 €") and however large a phone draws them, they never run off the left edge.
  const plot = { left: 8, top: 24, right: width - 8, bottom: height - 36 }
  const y = scaleLinear()
    .domain([0, max > 0 ? max : 1])
    .nice(5)
    .range([plot.bottom, plot.top])
  const yTicks = y.ticks(5).map((t) => ({ y: round(y(t)), text: format(t) }))
  // The bars start right of the longest label (about 7.5 units a character at the tick's size).
  const gutter = Math.ceil(Math.max(...yTicks.map((t) => t.text.length)) * 7.5) + 10
  const x = scaleBand<string>().domain(input.categories).range([plot.left + gutter, plot.right]).paddingInner(0.25).paddingOuter(0.15)
  const inner = scaleBand<number>()
    .domain(input.series.map((_, i) => i))
    .range([0, x.bandwidth()])
    .paddingInner(0.08)
  const bars = input.series.flatMap((s, si) =>
    s.values.map((v, ci) => {
      const value = Number.isFinite(v) ? Math.max(0, v) : 0
      const barTop = y(value)
      return {
        x: round(x(input.categories[ci]!)! + inner(si)!),
        y: round(barTop),
        width: round(inner.bandwidth()),
        height: round(plot.bottom - barTop),
        className: s.className ?? `series-${si}`,
        title: `${input.categories[ci]}: ${s.name} ${format(value)}`,
      }
    }),
  )
  return {
    width,
    height,
    plot,
    bars,
    xLabels: input.categories.map((c) => ({ x: round(x(c)! + x.bandwidth() / 2), text: c })),
    yTicks,
    legend: input.series.map((s, i) => ({ name: s.name, className: s.className ?? `series-${i}` })),
  }
}

const round = (v: number) => Math.round(v * 10) / 10

export interface RankChartModel {
  width: number
  height: number
  /** `label` fits the chart (shortened with … when too long); `fullLabel` is the whole, for the bar's title and the table. */
  rows: { y: number; label: string; fullLabel: string; value: string; barWidth: number; barY: number; className: string }[]
}

/**
 * Horizontal bars with their label above each bar, for long category names (churn reasons in
 * German): nothing is cut off, however long a label, and the numbers sit at the bar's end.
 */
export function rankChart(input: { categories: string[]; values: number[]; formatValue?: (v: number) => string; width?: number }): RankChartModel {
  // Narrow, so that the labels stay readable in a half-width card.
  const width = input.width ?? 380
  const rowHeight = 40
  const format = input.formatValue ?? ((v: number) => String(v))
  const max = Math.max(0, ...input.values)
  const x = scaleLinear()
    .domain([0, max > 0 ? max : 1])
    .range([0, width - 60])
  // About 7.5 units a character at the label's size: longer labels end in "…" (the table beside the chart has them whole).
  const maxChars = Math.floor(width / 7.5)
  return {
    width,
    height: input.categories.length * rowHeight + 4,
    rows: input.categories.map((label, i) => ({
      y: round(i * rowHeight + 16),
      barY: round(i * rowHeight + 22),
      label: label.length > maxChars ? `${label.slice(0, maxChars - 1).trimEnd()}…` : label,
      fullLabel: label,
      value: format(input.values[i] ?? 0),
      barWidth: round(Math.max(2, x(input.values[i] ?? 0))),
      className: 'series-0',
    })),
  }
}
