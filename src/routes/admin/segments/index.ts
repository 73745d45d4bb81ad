import { PassThrough } from 'node:stream'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { AppError, type Note } from '../../../domain/errors.ts'
import { checkRules, segmentFields, segmentFieldNames, type SegmentRules } from '../../../domain/segment.ts'
import { viewLocals } from '../../../plugins/i18n.ts'
import { churnReasons } from '../../../domain/survey.ts'
import { segmentMembers, segmentSorts, type SegmentSort } from '../../../repos/segments.ts'
import { exportFormats, exportPurposes, exportSegment, offerFor } from '../../../services/export.ts'
import { blankSegmentForm, formFromRules, rowCount, rulesFromForm, withGroup, withRow, type SegmentForm } from '../../../services/segment-form.ts'
import { builtInSegmentRefs, deleteSavedSegment, findSegment, saveSegment, savedSegmentRefs, SEGMENT_NAME_MAX, segmentSize, segmentWhere, type SegmentRef } from '../../../services/segments.ts'
import { getOffers, saveOffers } from '../../../services/settings.ts'

const PAGE_SIZE = 50
const formBody = z.record(z.string(), z.string().max(2000))
const keyParams = z.object({ key: z.string().regex(/^[a-z0-9-]{1,40}$/) })
const sorts = [...segmentSorts] as [SegmentSort, ...SegmentSort[]]
const memberQuery = z.object({
  sort: z.enum(sorts).catch('priority'),
  dir: z.enum(['asc', 'desc']).catch('desc'),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
})
const exportQuery = z.object({
  purpose: z.enum(exportPurposes).catch('analysis'),
  format: z.enum(exportFormats).catch('csv'),
  delimiter: z.enum([';', ',']).catch(';'),
})

/**
 * /admin/segments: built-in and saved segments with their size, the builder (managers), each
 * segment's members, the export (everyone who may see customers), and the follow-up offers.
 */
const segmentRoutes: FastifyPluginAsync = async (app) => {
  const managers = { preHandler: app.requireUser('admin', 'manager') }

  app.get('/', async (req, reply) => {
    // Kept until the data changes; over a big shop computed in a worker thread, the page saying how old (result-cache.ts).
    const sizes = await app.figure({ name: 'segmentSizes' })
    const withSize = (s: SegmentRef) => ({ ...s, size: sizes.value[s.key] ?? segmentSize(app.db, s.rules) })
    return reply.view('admin/segments/index', {
      title: req.t('segments.title'),
      cached: sizes,
      builtIn: builtInSegmentRefs().map(withSize),
      saved: savedSegmentRefs(app.db).map(withSize),
    })
  })

  /** The builder page or its fragment (htmx): the form, and the live count when the rules are complete. */
  function builder(req: FastifyRequest, reply: FastifyReply, form: SegmentForm, extra: { id?: number; error?: Note } = {}) {
    let size: ReturnType<typeof segmentSize> | null = null
    let problem: Note | null = null
    try {
      size = segmentSize(app.db, rulesCheckedFromForm(form))
    } catch (e) {
      if (!(e instanceof AppError)) throw e
      problem = e.note
    }
    const data = {
      title: extra.id ? req.t('segments.editTitle', { name: form.name ?? '' }) : req.t('segments.new'),
      form,
      count: rowCount(form),
      fields: segmentFieldNames.map((name) => ({ name, ...segmentFields[name] })),
      size,
      problem,
      nameMax: SEGMENT_NAME_MAX,
      ...extra,
    }
    if (req.isHtmx && req.headers['hx-target'] === 'segment-builder') return reply.view('admin/segments/_builder', data)
    return reply.view('admin/segments/edit', data)
  }

  app.get('/new', managers, async (req, reply) => builder(req, reply, blankSegmentForm()))

  app.get('/:key/edit', managers, async (req, reply) => {
    const segment = findSegment(app.db, keyParams.parse(req.params).key)
    if (segment.builtIn) throw new AppError('rules.builtInReadOnly', 409, 'built_in')
    return builder(req, reply, formFromRules(segment.rules, segment.name ?? ''), { id: segment.id! })
  })

  /** Every button of the builder posts here: add a rule or a group, count, or save. */
  async function post(req: FastifyRequest, reply: FastifyReply, id?: number) {
    const form = formBody.parse(req.body)
    const action = form.action ?? 'save'
    if (action === 'add_group') return builder(req, reply, withGroup(form), { id })
    const addRow = /^add_rule_(\d)$/.exec(action)
    if (addRow) return builder(req, reply, withRow(form, Number(addRow[1])), { id })
    if (action !== 'save') return builder(req, reply, form, { id })
    try {
      const saved = saveSegment(app.db, { id, name: form.name ?? '', rules: rulesFromForm(form) }, req.user!.email)
      return reply.redirect(`/admin/segments/${saved.key}`, 303)
    } catch (e) {
      if (!(e instanceof AppError)) throw e
      return builder(req, reply.code(e.statusCode), form, { id, error: e.note })
    }
  }

  app.post('/', managers, async (req, reply) => post(req, reply))
  app.post('/:key', managers, async (req, reply) => {
    const segment = findSegment(app.db, keyParams.parse(req.params).key)
    if (segment.builtIn) throw new AppError('rules.builtInReadOnly', 409, 'built_in')
    return post(req, reply, segment.id!)
  })

  app.post('/:key/delete', managers, async (req, reply) => {
    const segment = findSegment(app.db, keyParams.parse(req.params).key)
    if (segment.builtIn) throw new AppError('rules.builtInReadOnly', 409, 'built_in')
    deleteSavedSegment(app.db, segment.id!, req.user!.email)
    return reply.redirect('/admin/segments', 303)
  })

  /** The live count while the builder changes (htmx, GET with the form's fields). */
  app.get('/count', managers, async (req, reply) => builder(req, reply, formBody.parse(req.query)))

  app.get('/:key', async (req, reply) => {
    const segment = findSegment(app.db, keyParams.parse(req.params).key)
    const q = memberQuery.parse(req.query)
    const size = segmentSize(app.db, segment.rules)
    const offers = getOffers(app.db)
    const rows = segmentMembers(app.db, segmentWhere(segment.rules), q.sort, q.dir, PAGE_SIZE, (q.page - 1) * PAGE_SIZE).map((r) => ({
      ...r,
      offer: offerFor(r.mainReason, offers, req.t),
    }))
    return reply.view('admin/segments/show', {
      title: segmentTitle(req, segment),
      segment,
      heading: segmentTitle(req, segment),
      size,
      rows,
      query: q,
      pages: Math.max(1, Math.ceil(size.customers / PAGE_SIZE)),
      canEdit: req.user!.role !== 'staff' && !segment.builtIn,
    })
  })

  app.get('/:key/export', async (req, reply) => {
    const segment = findSegment(app.db, keyParams.parse(req.params).key)
    const options = exportQuery.parse(req.query)
    const name = `${(segment.name ?? segment.key).replace(/[^\p{L}\p{N}_-]+/gu, '-').slice(0, 60)}-${options.format === 'csv' ? options.purpose : options.format}-${new Date().toISOString().slice(0, 10)}.csv`
    const body = new PassThrough()
    reply.header('Content-Type', 'text/csv; charset=utf-8')
    reply.header('Content-Disposition', `attachment; filename="${name.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`)
    void exportSegment(app.db, segment, { ...options, actor: req.user!.email, t: req.t }, body).catch((err: unknown) => {
      req.log.error({ err }, 'export failed')
      body.destroy(err as Error)
    })
    return reply.send(body)
  })

  app.get('/offers', managers, async (req, reply) => reply.view('admin/segments/offers', { title: req.t('offers.title'), offers: getOffers(app.db), reasons: churnReasons }))

  app.post('/offers', managers, async (req, reply) => {
    const form = formBody.parse(req.body)
    const input = Object.fromEntries(churnReasons.map((r) => [r.value, form[r.value] ?? '']))
    try {
      const offers = saveOffers(app.db, input, req.user!.email)
      return reply.view('admin/segments/offers', { title: req.t('offers.title'), offers, reasons: churnReasons, saved: true })
    } catch (e) {
      if (!(e instanceof AppError)) throw e
      return reply.code(400).view('admin/segments/offers', { title: req.t('offers.title'), offers: input, reasons: churnReasons, error: e.note })
    }
  })
}

/** The builder's rules, checked against the field registry (an unfinished rule says what is missing). */
function rulesCheckedFromForm(form: SegmentForm): SegmentRules {
  return checkRules(rulesFromForm(form))
}

const segmentTitle = (req: FastifyRequest, s: SegmentRef) => viewLocals(req.t).fmt.segmentName(s)

export default segmentRoutes
