import { createWriteStream, mkdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { pipeline } from 'node:stream/promises'
import multipart from '@fastify/multipart'
import type { FastifyPluginAsync } from 'fastify'
import { nanoid } from 'nanoid'
import { z } from 'zod'
import { AppError, notFound, note } from '../../../domain/errors.ts'
import { importKinds } from '../../../domain/import-records.ts'
import { getImportRun, listImportRuns } from '../../../repos/import-runs.ts'
import { createImportRun, failImportRun, type ImportReport } from '../../../services/import.ts'

const uploadFields = z.object({
  kind: z.enum(importKinds, { error: 'err.chooseKind' }),
  dry_run: z.literal('on').optional(),
  skip_invalid: z.literal('on').optional(),
})

const idParams = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/) })

/** /admin/imports: upload customers.csv or orders.csv, watch its progress, read the report. Admins only. */
const importRoutes: FastifyPluginAsync = async (app) => {
  const maxBytes = app.config.uploadLimitMb * 1024 * 1024
  await app.register(multipart, { limits: { files: 1, fileSize: maxBytes, fields: 10, fieldSize: 1024, parts: 12 } })
  const uploadDir = app.config.dbFile === ':memory:' ? join(tmpdir(), 'comeback-uploads') : join(dirname(resolve(app.config.dbFile)), 'uploads')
  const admin = { preHandler: app.requireUser('admin') }

  app.get('/', admin, async (req, reply) => {
    return reply.view('admin/imports/index', { title: req.t('imports.title'), runs: listImportRuns(app.db).map(withReport), uploadLimitMb: app.config.uploadLimitMb })
  })

  app.post('/', admin, async (req, reply) => {
    if (!req.isMultipart()) throw new AppError('err.chooseFile')
    const file = await req.file()
    if (!file) throw new AppError('err.chooseFile')
    // Fields sent before the file input are available here; the form puts them first.
    const raw = Object.fromEntries(
      Object.entries(file.fields).flatMap(([k, v]) => (v && !Array.isArray(v) && v.type === 'field' ? [[k, String(v.value)]] : [])),
    )
    try {
      app.verifyUploadCsrf(req, reply, raw._csrf)
    } catch (e) {
      file.file.resume()
      throw e
    }
    const fields = uploadFields.safeParse(raw)
    if (!fields.success) {
      file.file.resume()
      throw new AppError('err.chooseKind')
    }
    if (!file.filename) {
      file.file.resume()
      throw new AppError('err.chooseFile')
    }
    mkdirSync(uploadDir, { recursive: true })
    const runId = nanoid(12)
    const path = join(uploadDir, `${runId}.csv`)
    await pipeline(file.file, createWriteStream(path))
    if (file.file.truncated) {
      rmSync(path, { force: true })
      throw new AppError(note('err.fileTooLarge', { limit: app.config.uploadLimitMb }), 413, 'too_large')
    }
    const options = {
      runId,
      kind: fields.data.kind,
      fileName: file.filename,
      dryRun: fields.data.dry_run === 'on',
      skipInvalid: fields.data.skip_invalid === 'on',
      actor: req.user!.email,
      defaultLocale: app.config.defaultLocale,
      defaultCurrency: app.config.defaultCurrency,
    }
    createImportRun(app.db, path, options)
    // The import goes on after this response, in a worker thread; the run page shows its progress and report.
    app
      .runTask('import', { runId, path, options })
      .then((report) => {
        if (report.imported) void app.analysisJobs.request('import')
      })
      .catch((error: unknown) => {
        req.log.error({ err: error, runId }, 'import failed')
        // The worker may have died before it could say so itself.
        failImportRun(app.db, runId)
      })
      .finally(() => rmSync(path, { force: true }))
    const location = `/admin/imports/${runId}`
    if (req.isHtmx) return reply.header('HX-Redirect', location).code(204).send()
    return reply.redirect(location, 303)
  })

  app.get('/:id', admin, async (req, reply) => {
    const { id } = idParams.parse(req.params)
    const run = getImportRun(app.db, id)
    if (!run) throw notFound('import')
    const data = { title: req.t('imports.of', { file: run.fileName }), run: withReport(run) }
    if (req.isHtmx && req.headers['hx-target'] === 'import-status') return reply.view('admin/imports/_status', data)
    return reply.view('admin/imports/show', { ...data, refreshSeconds: run.status === 'running' ? 2 : undefined })
  })
}

function withReport<T extends { report: string | null }>(run: T) {
  return { ...run, parsed: run.report ? (JSON.parse(run.report) as Partial<ImportReport>) : null }
}

export default importRoutes
