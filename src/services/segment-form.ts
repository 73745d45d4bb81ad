import { AppError, note } from '../domain/errors.ts'
import { isGroup, MAX_CONDITIONS, SEGMENT_VERSION, type Condition, type Group, type SegmentRules } from '../domain/segment.ts'

/**
 * The segment builder as a plain HTML form (it works without JavaScript): the top group's
 * `match`, up to three inner groups (`gm_1` … `gm_3`, their count in `groups`), and rule rows
 * `f_i` (field), `o_i` (operator), `v_i` (value), `g_i` (0 = top group, else the inner group)
 * and `x_i` (remove), their count in `count`.
 */
export type SegmentForm = Record<string, string>

export const MAX_INNER_GROUPS = 3

const bounded = (v: string | undefined, max: number) => Math.min(max, Math.max(0, Number.parseInt(v ?? '0', 10) || 0))
export const rowCount = (f: SegmentForm) => bounded(f.count, MAX_CONDITIONS)
export const groupCount = (f: SegmentForm) => bounded(f.groups, MAX_INNER_GROUPS)
const matchOf = (v: string | undefined): 'all' | 'any' => (v === 'any' ? 'any' : 'all')

export function rulesFromForm(f: SegmentForm): SegmentRules {
  const inner: Group[] = Array.from({ length: groupCount(f) }, (_, k) => ({ match: matchOf(f[`gm_${k + 1}`]), rules: [] }))
  const root: Group = { match: matchOf(f.match), rules: [] }
  for (let i = 0; i < rowCount(f); i++) {
    if (!f[`f_${i}`] || f[`x_${i}`] === 'on') continue
    const condition: Condition = { field: f[`f_${i}`]!, op: f[`o_${i}`] ?? '' }
    if (f[`v_${i}`] !== undefined && f[`v_${i}`] !== '') condition.value = f[`v_${i}`]!
    const g = bounded(f[`g_${i}`], groupCount(f))
    ;(g === 0 ? root : inner[g - 1]!).rules.push(condition)
  }
  root.rules.push(...inner.filter((g) => g.rules.length > 0))
  return { version: SEGMENT_VERSION, root }
}

/** A saved tree as the form shows it; the builder edits two levels (a tree saved deeper through the API is refused here). */
export function formFromRules(rules: SegmentRules, name = ''): SegmentForm {
  const f: SegmentForm = { name, match: rules.root.match }
  let i = 0
  let groups = 0
  const row = (c: Condition, g: number) => {
    f[`f_${i}`] = c.field
    f[`o_${i}`] = c.op
    f[`v_${i}`] = c.value === undefined || c.value === null ? '' : String(c.value)
    f[`g_${i}`] = String(g)
    i++
  }
  for (const r of rules.root.rules) {
    if (!isGroup(r)) {
      row(r, 0)
      continue
    }
    if (groups >= MAX_INNER_GROUPS || r.rules.some(isGroup)) throw new AppError(note('rules.tooDeepForm', { max: MAX_INNER_GROUPS }))
    groups++
    f[`gm_${groups}`] = r.match
    for (const c of r.rules) row(c as Condition, groups)
  }
  f.count = String(i)
  f.groups = String(groups)
  return f
}

/** The form with one more empty row in a group (0 = the top group). */
export function withRow(f: SegmentForm, group: number): SegmentForm {
  const i = rowCount(f)
  if (i >= MAX_CONDITIONS) throw new AppError(note('rules.tooMany', { max: MAX_CONDITIONS }))
  return { ...f, count: String(i + 1), [`f_${i}`]: '', [`o_${i}`]: '', [`v_${i}`]: '', [`g_${i}`]: String(Math.min(group, groupCount(f))) }
}

/** The form with one more inner group, holding an empty row. */
export function withGroup(f: SegmentForm): SegmentForm {
  const g = groupCount(f)
  if (g >= MAX_INNER_GROUPS) throw new AppError(note('rules.tooManyGroups', { max: MAX_INNER_GROUPS }))
  return withRow({ ...f, groups: String(g + 1), [`gm_${g + 1}`]: 'any' }, g + 1)
}

/** An empty builder: everyone, with one empty row. */
export const blankSegmentForm = (): SegmentForm => withRow({ name: '', match: 'all', count: '0', groups: '0' }, 0)
