import { writeTransaction, type Db } from '../db/client.ts'
import { cachedResult } from './result-cache.ts'
import type { Segment } from '../db/schema.ts'
import { AppError, note, notFound } from '../domain/errors.ts'
import { builtInSegments, checkRules, compileRules, type SegmentRules } from '../domain/segment.ts'
import { addAuditEntry } from '../repos/audit.ts'
import { countSegment, deleteSegment, findSegmentByName, getSegment, insertSegment, listSavedSegments, updateSegment, type SegmentWhere } from '../repos/segments.ts'

export const SEGMENT_NAME_MAX = 100

/** A segment to run: a saved one (by id) or a built-in one (by slug). */
export interface SegmentRef {
  /** In URLs and on the command line: the id of a saved segment, the slug of a built-in one. */
  key: string
  id: number | null
  /** The name a manager gave; null for built-in segments, whose names come from the catalogue. */
  name: string | null
  builtIn: boolean
  /** A built-in churn-reason segment's reason. */
  reason: string | null
  rules: SegmentRules
}

const fromSaved = (s: Segment): SegmentRef => ({ key: String(s.id), id: s.id, name: s.name, builtIn: false, reason: null, rules: JSON.parse(s.rules) as SegmentRules })

export function builtInSegmentRefs(): SegmentRef[] {
  return builtInSegments.map((b) => ({ key: b.slug, id: null, name: null, builtIn: true, reason: b.reason ?? null, rules: b.rules }))
}

export function savedSegmentRefs(db: Db): SegmentRef[] {
  return listSavedSegments(db).map(fromSaved)
}

/** A segment by id, built-in slug or (for the command line) name; 404 when there is none. */
export function findSegment(db: Db, key: string): SegmentRef {
  const builtIn = builtInSegmentRefs().find((b) => b.key === key)
  if (builtIn) return builtIn
  const saved = /^\d+$/.test(key) ? getSegment(db, Number(key)) : findSegmentByName(db, key)
  if (!saved) throw notFound('segment')
  return fromSaved(saved)
}

/** The segment's condition as SQL, resolved now (relative dates). */
export function segmentWhere(rules: SegmentRules, now = new Date()): SegmentWhere {
  return compileRules(rules, now)
}

/**
 * How many customers a segment holds and their value at stake: counted once until the data
 * changes (services/result-cache.ts), as the Segments page counts every segment on each view and
 * the builder recounts on every change of a rule.
 */
export function segmentSize(db: Db, rules: SegmentRules, now = new Date()) {
  return cachedResult(db, `segment-size:${now.toISOString().slice(0, 10)}:${JSON.stringify(rules)}`, () => countSegment(db, segmentWhere(rules, now))).value
}

/** Every segment's size (built-in and saved, by key): what the Segments page lists, a count over every customer for each. */
export function segmentSizes(db: Db, now = new Date()): Record<string, ReturnType<typeof segmentSize>> {
  return Object.fromEntries([...builtInSegmentRefs(), ...savedSegmentRefs(db)].map((s) => [s.key, countSegment(db, segmentWhere(s.rules, now))]))
}

/** Save a new segment or a new version of one: rules checked against the registry, names unique; a refused save changes nothing. */
export function saveSegment(db: Db, input: { id?: number; name: string; rules: unknown }, actor: string): SegmentRef {
  const name = input.name.trim()
  if (name.length < 1 || name.length > SEGMENT_NAME_MAX) throw new AppError(note('rules.name', { max: SEGMENT_NAME_MAX }))
  const rules = checkRules(input.rules)
  return writeTransaction(db, () => {
    const same = findSegmentByName(db, name)
    if (same && same.id !== input.id) throw new AppError(note('rules.nameTaken', { name }), 409, 'duplicate_name')
    const text = JSON.stringify(rules)
    let saved: Segment
    if (input.id !== undefined) {
      if (!getSegment(db, input.id)) throw notFound('segment')
      updateSegment(db, input.id, { name, rules: text, updatedBy: actor, updatedAt: new Date().toISOString() })
      saved = getSegment(db, input.id)!
    } else {
      saved = insertSegment(db, { name, rules: text, createdBy: actor, updatedBy: actor })
    }
    addAuditEntry(db, { actor, action: input.id === undefined ? 'segment.create' : 'segment.update', subject: String(saved.id), detail: { name, rules } })
    return fromSaved(saved)
  })
}

/** Delete a saved segment. A campaign that named it and has not started yet can no longer start (it says the segment is gone). */
export function deleteSavedSegment(db: Db, id: number, actor: string): void {
  writeTransaction(db, () => {
    const segment = getSegment(db, id)
    if (!segment) throw notFound('segment')
    deleteSegment(db, id)
    addAuditEntry(db, { actor, action: 'segment.delete', subject: String(id), detail: { name: segment.name } })
  })
}
