import { createReadStream, statSync } from 'node:fs'
import { basename } from 'node:path'
import { pipeline, Readable, Transform } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'
import Papa from 'papaparse'
import { nanoid } from 'nanoid'
import { inEnglish, note, type Note } from '../domain/errors.ts'
import type { Db } from '../db/client.ts'
import {
  mapHeader,
  parseRecord,
  type CustomerRecord,
  type EventRecord,
  type ImportKind,
  type OrderRecord,
  rowProblem,
  type RowProblem,
} from '../domain/import-records.ts'
import { addAuditEntry } from '../repos/audit.ts'
import { ImportStage, type MergeCounts } from '../repos/import-stage.ts'
import { insertImportRun, updateImportRun } from '../repos/import-runs.ts'

/** No row of any kind comes near this (its longest cells are 100 items of 200 characters). */
const MAX_ROW_BYTES = 1024 * 1024
class RowTooLong extends Error {}

/** At most this many problems are listed in a report; all are counted. */
export const MAX_LISTED_PROBLEMS = 1000

export interface ImportOptions {
  kind: ImportKind
  dryRun?: boolean
  skipInvalid?: boolean
  /** Who imports: a user's email, `cli`, `demo`, `api:<key>`. */
  actor: string
  defaultLocale: string
  defaultCurrency: string
}

export interface ImportReport extends MergeCounts {
  kind: ImportKind
  fileName: string | null
  dryRun: boolean
  skipInvalid: boolean
  /** Data rows read (the header not counted). */
  rowsRead: number
  invalidRows: number
  /** True when the rows were written (never on a dry run, nor when invalid rows blocked the import). */
  imported: boolean
  problems: RowProblem[]
  /** In English, for the command line; `warningNotes` are the same for a reader in their language. */
  warnings: string[]
  warningNotes: Note[]
  /** A problem with the file as a whole (empty, wrong header, broken quoting): nothing was imported. In English; `fileErrorNote` for the reader. */
  fileError: string | null
  fileErrorNote: Note | null
}

export interface ImportProgress {
  bytesRead: number
  totalBytes: number
  rowsRead: number
}

/**
 * Collects records (from a CSV file, the JSON API or the demo generator), checks them and merges
 * them in one transaction: one way for every source of customers and orders.
 */
export class ImportBatch {
  private readonly stage: ImportStage
  private readonly rowProblems: RowProblem[] = []
  private rowInvalid = 0
  rowsRead = 0
  readonly warnings: Note[] = []

  constructor(
    db: Db,
    private readonly options: ImportOptions,
  ) {
    this.stage = new ImportStage(db.$client, options.kind)
  }

  /** Validate one raw row (column name → value) and stage it when valid. */
  addRow(row: Record<string, unknown>, line: number): void {
    this.rowsRead++
    const result = parseRecord(this.options.kind, row, line)
    if ('record' in result) {
      this.stage.add(result.record, line)
    } else {
      this.rowInvalid++
      for (const p of result.problems) this.addProblem(p)
    }
  }

  /** Stage a record that is already valid (the demo generator). */
  addRecord(record: CustomerRecord | OrderRecord | EventRecord): void {
    this.rowsRead++
    this.stage.add(record, this.rowsRead)
  }

  /** A row that could not even be read as a row (wrong number of fields). */
  addInvalidRow(problem: RowProblem): void {
    this.rowsRead++
    this.rowInvalid++
    this.addProblem(problem)
  }

  private addProblem(p: RowProblem): void {
    if (this.rowProblems.length < MAX_LISTED_PROBLEMS) this.rowProblems.push(p)
  }

  finish(fileName: string | null, fileError: Note | null = null): ImportReport {
    const dryRun = this.options.dryRun ?? false
    const skipInvalid = this.options.skipInvalid ?? false
    try {
      const merged = this.stage.merge({
        apply: !dryRun && fileError === null && (this.rowInvalid === 0 || skipInvalid),
        skipInvalid,
        actor: this.options.actor,
        fileName,
        defaultLocale: this.options.defaultLocale,
        defaultCurrency: this.options.defaultCurrency,
        maxProblems: MAX_LISTED_PROBLEMS,
      })
      const problems = [...this.rowProblems, ...merged.problems].sort((a, b) => a.line - b.line).slice(0, MAX_LISTED_PROBLEMS)
      const warnings = [...this.warnings]
      if (merged.counts.couponsRefused > 0) {
        warnings.push(note('import.couponsRefused', { n: merged.counts.couponsRefused }))
      }
      if (merged.counts.objectionsKept > 0) {
        warnings.push(note('import.objectionsKept', { n: merged.counts.objectionsKept }))
      }
      return {
        kind: this.options.kind,
        fileName,
        dryRun,
        skipInvalid,
        rowsRead: this.rowsRead,
        invalidRows: this.rowInvalid + merged.invalidRows,
        imported: merged.applied,
        problems,
        warnings: warnings.map(inEnglish),
        warningNotes: warnings,
        fileError: fileError && inEnglish(fileError),
        fileErrorNote: fileError,
        ...merged.counts,
      }
    } finally {
      this.stage.drop()
    }
  }

  discard(): void {
    this.stage.drop()
  }
}

/** Import one CSV file: streamed, validated, merged all-or-nothing (or skipping invalid rows). */
export async function importCsv(
  db: Db,
  input: Readable,
  fileName: string,
  options: ImportOptions,
  onProgress?: (p: { bytesRead: number; rowsRead: number }) => void,
): Promise<ImportReport> {
  const batch = new ImportBatch(db, options)
  let bytesRead = 0
  let sawData = false
  // Count bytes and detect the delimiter from the header line before the parser sees anything.
  // Bytes read when the last row ended: a row that grows past MAX_ROW_BYTES (an unclosed quote
  // swallowing the rest of a large file) ends the import with its line, before it fills memory.
  let bytesAtRow = 0
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytesRead += chunk.length
      if (chunk.length > 0) sawData = true
      done(bytesRead - bytesAtRow > MAX_ROW_BYTES + 2 * chunk.length ? new RowTooLong() : null, chunk)
    },
  })
  const first = await peekHeaderLine(input)
  const delimiter = detectDelimiter(first.text)
  // Papa Parse reads a large file several times faster than csv-parse did (about a fifth of a
  // million-order import went into the parse). It is given text, decoded here with every line
  // break as \n, and counts nothing itself: lines are counted below from the fields.
  const text = pipeline(first.stream, meter, linesAsLf(), () => {})

  let columns: (string | null)[] | undefined
  let width = 0
  let fileError: Note | null = null
  let nextLine = 1
  const row = (record: string[], errors: Papa.ParseError[], parser: Papa.Parser) => {
    // The line where the row starts; a quoted field with line breaks makes it span more.
    const line = nextLine
    nextLine += 1
    bytesAtRow = bytesRead
    for (const field of record) if (field.includes('\n')) nextLine += field.split('\n').length - 1
    if (errors.length > 0) {
      fileError = note('import.badCsv', { line, error: errors[0]!.message })
      return parser.abort()
    }
    if (record.length === 1 && record[0] === '') return
    if (!columns) {
      const mapping = mapHeader(options.kind, record)
      if (mapping.missing.length > 0) {
        fileError = note('import.missingColumns', { missing: mapping.missing.join(', '), found: record.join(', ') })
        return parser.abort()
      }
      if (mapping.duplicated.length > 0) {
        fileError = note('import.duplicateColumns', { columns: mapping.duplicated.join(', ') })
        return parser.abort()
      }
      if (mapping.unknown.length > 0) {
        batch.warnings.push(note('import.unknownColumns', { columns: mapping.unknown.join(', ') }))
      }
      columns = mapping.columns
      width = record.length
      return
    }
    if (record.length !== width) {
      batch.addInvalidRow(rowProblem(line, null, note('import.fields', { fields: record.length, width })))
    } else {
      const values: Record<string, string> = {}
      for (let i = 0; i < width; i++) {
        const name = columns[i]
        if (name) values[name] = record[i]!
      }
      batch.addRow(values, line)
    }
    if (onProgress && batch.rowsRead % 5000 === 0) onProgress({ bytesRead, rowsRead: batch.rowsRead })
  }
  try {
    await new Promise<void>((resolve, reject) => {
      Papa.parse<string[]>(text as unknown as NodeJS.ReadableStream, {
        delimiter,
        newline: '\n',
        step: (results, parser) => {
          try {
            row(results.data, results.errors, parser)
          } catch (e) {
            // Rejected before the abort, which completes the parse.
            reject(e)
            parser.abort()
          }
        },
        complete: () => resolve(),
        error: (e: Error) => reject(e),
      })
    })
  } catch (e) {
    if (!(e instanceof RowTooLong)) {
      batch.discard()
      throw e
    }
    fileError = note('import.rowTooLong', { line: nextLine, max: MAX_ROW_BYTES / 1024 / 1024 })
  } finally {
    input.destroy()
  }
  if (!columns && fileError === null) {
    fileError = note(sawData ? 'import.noHeader' : 'import.empty')
  } else if (columns && batch.rowsRead === 0 && fileError === null) {
    batch.warnings.push(note('import.noRows'))
  }
  onProgress?.({ bytesRead, rowsRead: batch.rowsRead })
  return batch.finish(fileName, fileError)
}

/**
 * Bytes to UTF-8 text with every line break (\r\n, \r) as \n. A character split between two
 * chunks is kept whole, and a \r at a chunk's end waits for the next chunk's first character.
 * Invalid UTF-8 becomes U+FFFD, which the cell readers refuse with the line and column.
 */
function linesAsLf(): Transform {
  const decoder = new StringDecoder('utf8')
  let carriage = false
  const lf = (s: string, end: boolean) => {
    if (carriage) s = '\r' + s
    carriage = !end && s.endsWith('\r')
    if (carriage) s = s.slice(0, -1)
    return s.replace(/\r\n?/g, '\n')
  }
  return new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer, _enc, done) {
      const s = lf(decoder.write(chunk), false)
      done(null, s === '' ? undefined : s)
    },
    flush(done) {
      const s = lf(decoder.end(), true)
      done(null, s === '' ? undefined : s)
    },
  })
}

/** Read up to the first line break (or 64 KiB) and hand back a stream that still starts at byte 0. */
async function peekHeaderLine(input: Readable): Promise<{ text: string; stream: Readable }> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of input.iterator({ destroyOnReturn: false })) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string)
    chunks.push(buf)
    size += buf.length
    if (buf.includes(0x0a) || buf.includes(0x0d) || size >= 65536) break
  }
  const head = Buffer.concat(chunks)
  const rest = async function* () {
    yield head
    for await (const chunk of input) yield chunk
  }
  return { text: head.toString('utf8').split(/\r?\n|\r/)[0] ?? '', stream: Readable.from(rest(), { objectMode: false }) }
}

/** `;` when the header has more semicolons than commas outside quotes (German Excel), else `,`. */
export function detectDelimiter(headerLine: string): ',' | ';' {
  let commas = 0
  let semicolons = 0
  let quoted = false
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted
    else if (!quoted && ch === ',') commas++
    else if (!quoted && ch === ';') semicolons++
  }
  return semicolons > commas ? ';' : ','
}

/**
 * Import a CSV file from disk as a recorded run (CLI and web upload): progress is written to the
 * run so that the upload page can show it, and the finished report is kept and audited.
 */
export function startImportRun(
  db: Db,
  path: string,
  options: ImportOptions & { fileName?: string; runId?: string },
  onProgress?: (p: ImportProgress) => void,
): { runId: string; done: Promise<ImportReport> } {
  const { runId, fileName } = createImportRun(db, path, options)
  return { runId, done: runImport(db, runId, path, { ...options, fileName }, onProgress) }
}

/** A run that broke off (an error, or a worker thread that died): it shows as failed, never running forever. */
export function failImportRun(db: Db, runId: string): void {
  updateImportRun(db, runId, {
    status: 'failed',
    report: JSON.stringify({ fileError: 'The import failed unexpectedly; nothing was imported.', fileErrorNote: note('import.failed') }),
    finishedAt: new Date().toISOString(),
  })
}

/** The run's row, before its work starts: the upload page can show it at once. */
export function createImportRun(db: Db, path: string, options: ImportOptions & { fileName?: string; runId?: string }): { runId: string; fileName: string } {
  const runId = options.runId ?? nanoid(12)
  const fileName = options.fileName ?? basename(path)
  insertImportRun(db, {
    id: runId,
    kind: options.kind,
    fileName,
    fileBytes: statSync(path).size,
    status: 'running',
    dryRun: options.dryRun ?? false,
    skipInvalid: options.skipInvalid ?? false,
    actor: options.actor,
  })
  return { runId, fileName }
}

/** The work of a created run: read, check, merge, record the report (in a worker thread for the web). */
export function runImport(db: Db, runId: string, path: string, options: ImportOptions & { fileName: string }, onProgress?: (p: ImportProgress) => void): Promise<ImportReport> {
  const fileName = options.fileName
  const totalBytes = statSync(path).size
  let lastWrite = 0
  return importCsv(db, createReadStream(path), fileName, options, (p) => {
    onProgress?.({ ...p, totalBytes })
    const now = Date.now()
    if (now - lastWrite > 500) {
      lastWrite = now
      updateImportRun(db, runId, { bytesRead: p.bytesRead, rowsRead: p.rowsRead })
    }
  }).then(
    (report) => {
      updateImportRun(db, runId, {
        status: report.fileError || (report.invalidRows > 0 && !report.skipInvalid) ? 'rejected' : 'done',
        bytesRead: totalBytes,
        rowsRead: report.rowsRead,
        report: JSON.stringify(report),
        finishedAt: new Date().toISOString(),
      })
      addAuditEntry(db, {
        actor: options.actor,
        action: `import.${options.kind}`,
        subject: fileName,
        detail: {
          runId,
          dryRun: report.dryRun,
          imported: report.imported,
          rowsRead: report.rowsRead,
          inserted: report.inserted,
          updated: report.updated,
          invalidRows: report.invalidRows,
        },
      })
      return report
    },
    (error: unknown) => {
      failImportRun(db, runId)
      throw error
    },
  )
}
