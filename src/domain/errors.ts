import type { z } from 'zod'
import en from '../locales/en.ts'
import { interpolate, type MessageKey, type MessageParams } from './i18n.ts'

/**
 * A message for a person, kept as its catalogue key and values rather than as text, so that
 * each reader gets it in their language: errors, analysis notes, pause reasons, import
 * problems. `nested` notes fill placeholders with messages of their own (a field's name and
 * what is wrong with it). Stored as JSON where it has to outlive the request.
 */
export interface Note {
  key: MessageKey
  params?: MessageParams
  nested?: Readonly<Record<string, Note>>
}

export const note = (key: MessageKey, params?: MessageParams, nested?: Record<string, Note>): Note => ({ key, ...(params && { params }), ...(nested && { nested }) })

/** A note's text through a translator. */
export function renderNote(n: Note, t: (key: MessageKey, params?: MessageParams) => string): string {
  if (!n.nested) return t(n.key, n.params)
  const inner: Record<string, string> = {}
  for (const [name, child] of Object.entries(n.nested)) inner[name] = renderNote(child, t)
  return t(n.key, { ...n.params, ...inner })
}

const english = (key: MessageKey, params?: MessageParams) => interpolate(en[key], params)

/** A note in English, for the command line and the logs. */
export const inEnglish = (n: Note): string => renderNote(n, english)

/**
 * An error the user caused and can fix: `note` is shown to them in their language, its
 * statusCode sent; `message` is the English text for the command line and the logs.
 */
export class AppError extends Error {
  override readonly name = 'AppError'
  readonly note: Note
  constructor(
    what: Note | MessageKey,
    readonly statusCode = 400,
    readonly code = 'bad_request',
  ) {
    const n = typeof what === 'string' ? note(what) : what
    super(inEnglish(n))
    this.note = n
  }
}

export const notFound = (what: 'customer' | 'campaign' | 'survey' | 'message' | 'mail' | 'import' | 'segment') =>
  new AppError(note('error.notFound', undefined, { what: note(`what.${what}`) }), 404, 'not_found')
export const forbidden = () => new AppError('error.forbidden', 403, 'forbidden')

const isKey = (s: string): s is MessageKey => Object.hasOwn(en, s)

/**
 * The first problem zod found, as "field: what is wrong", each part from the catalogue: the
 * field's name from `field.<scope>.<path>` (list positions left out of the key and given as
 * `{n}`, counted from 1), the problem from the schema's message when that is a key, else from
 * the kind of problem and its bound.
 */
export function invalidInput(error: z.ZodError, scope: string): AppError {
  const issue = error.issues[0]!
  const names = issue.path.filter((p): p is string => typeof p === 'string')
  const position = issue.path.find((p): p is number => typeof p === 'number')
  let field: Note = note('field.unknown', { path: issue.path.join('.') || scope })
  for (let end = names.length; end > 0; end--) {
    const key = `field.${scope}.${names.slice(0, end).join('.')}`
    if (isKey(key)) {
      field = note(key, position === undefined ? undefined : { n: position + 1 })
      break
    }
  }
  return new AppError(note('error.field', undefined, { field, problem: problemOf(issue) }))
}

function problemOf(issue: z.core.$ZodIssue): Note {
  const bounds = issue as { minimum?: number | bigint; maximum?: number | bigint; inclusive?: boolean; origin?: string; expected?: string; params?: MessageParams }
  const params: Record<string, string | number> = { ...bounds.params }
  if (bounds.minimum !== undefined) params.min = Number(bounds.minimum)
  if (bounds.maximum !== undefined) params.max = Number(bounds.maximum)
  if (isKey(issue.message)) return note(issue.message, params)
  switch (issue.code) {
    case 'too_small':
      if (bounds.origin === 'string') return note(params.min === 1 ? 'v.required' : 'v.tooShort', params)
      if (bounds.origin === 'array') return note('v.minItems', params)
      return note(bounds.inclusive === false ? 'v.gt' : 'v.min', params)
    case 'too_big':
      if (bounds.origin === 'string') return note('v.tooLong', params)
      if (bounds.origin === 'array') return note('v.maxItems', params)
      return note(bounds.inclusive === false ? 'v.lt' : 'v.max', params)
    case 'invalid_type':
      if (bounds.expected === 'int') return note('v.wholeNumber')
      if (bounds.expected === 'number') return note('v.number')
      // zod leaves the input out of its issues; its message names what it received.
      return note(/received (undefined|null)\b/.test(issue.message) ? 'v.required' : 'v.invalid')
    default:
      return note('v.invalid')
  }
}
