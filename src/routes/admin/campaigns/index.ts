import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { MIN_GROUP } from '../../../domain/winback.ts'
import { afterComeback } from '../../../services/dashboard.ts'
import { REACTIVATION_DAYS } from '../../../services/winback.ts'
import { within } from '../../../services/result-cache.ts'
import { builtInSegmentRefs, findSegment, savedSegmentRefs } from '../../../services/segments.ts'
import { z } from 'zod'
import { allowedActions, type CampaignStatus } from '../../../domain/campaign.ts'
import { AppError, notFound, type Note } from '../../../domain/errors.ts'
import { previewCampaignMail } from '../../../mail/render.ts'
import { rewardReport } from '../../../repos/reward-report.ts'
import { getCampaign, listCampaigns } from '../../../repos/campaigns.ts'
import { listSurveys } from '../../../repos/surveys.ts'
import { ARM_SLOTS, defaultForm, optionsFromForm, type CampaignForm } from '../../../services/campaign-form.ts'
import { campaignOptions, campaignProgressNow, createCampaign, previewCampaignTarget } from '../../../services/campaigns.ts'
import { ensureDefaultSurvey } from '../../../services/surveys.ts'

const idParams = z.object({ id: z.coerce.number().int().positive() })
const formBody = z.record(z.string(), z.union([z.string().max(10_000), z.array(z.string().max(100)).max(20)]))
const actionBody = z.object({ action: z.enum(['start', 'schedule', 'pause', 'resume', 'cancel']), scheduled_at: z.string().max(40).optional() })
const mailQuery = z.object({ kind: z.enum(['invitation', 'reminder']).catch('invitation'), lang: z.enum(['de', 'en']).catch('de') })

/** /admin/campaigns: the builder with a live count, each campaign's progress and controls. Managers and admins. */
const campaignRoutes: FastifyPluginAsync = async (app) => {
  const managers = { preHandler: app.requireUser('admin', 'manager') }

  app.get('/', managers, async (req, reply) => {
    const campaigns = listCampaigns(app.db).map((c) => ({ ...c, progress: campaignProgressNow(app.db, c.id).total }))
    return reply.view('admin/campaigns/index', { title: req.t('campaigns.title'), campaigns, rewards: rewardReport(app.db, new Date().toISOString()) })
  })

  /** The segment a campaign targets, or null when it has been deleted since. */
  function findSegmentOrNull(key: string) {
    try {
      return findSegment(app.db, key)
    } catch {
      return null
    }
  }

  /** The live count for the builder's current form (htmx, on every change), or null while the form is incomplete. */
  function preview(form: CampaignForm) {
    const options = optionsFromForm(form, ensureDefaultSurvey(app.db))
    try {
      return previewCampaignTarget(app.db, { target: options.target, quietDays: Number.isFinite(options.quietDays) ? options.quietDays : 0, holdoutPercent: Number.isFinite(options.holdoutPercent) ? options.holdoutPercent : 0 })
    } catch {
      return null
    }
  }

  function builder(req: FastifyRequest, reply: FastifyReply, form: CampaignForm, error?: Note) {
    ensureDefaultSurvey(app.db)
    return reply.view('admin/campaigns/new', { title: req.t('campaigns.new'), form, error, surveys: listSurveys(app.db), segments: [...savedSegmentRefs(app.db), ...builtInSegmentRefs()], preview: preview(form), armSlots: ARM_SLOTS })
  }

  app.get('/new', managers, async (req, reply) => builder(req, reply, defaultForm()))

  app.get('/preview', managers, async (req, reply) => {
    const form = formBody.parse(req.query)
    return reply.view('admin/campaigns/_preview', { preview: preview(form) })
  })

  app.post('/', managers, async (req, reply) => {
    const form = formBody.parse(req.body)
    try {
      const campaign = createCampaign(app.db, optionsFromForm(form, ensureDefaultSurvey(app.db)), req.user!.email)
      return reply.redirect(`/admin/campaigns/${campaign.id}`, 303)
    } catch (e) {
      if (!(e instanceof AppError)) throw e
      return builder(req, reply.code(400), form, e.note)
    }
  })

  app.get('/:id', managers, async (req, reply) => {
    const { id } = idParams.parse(req.params)
    const campaign = getCampaign(app.db, id)
    if (!campaign || campaign.kind !== 'campaign') throw notFound('campaign')
    // The measured win-back, once the campaign has members; the progress poll (htmx) does not need
    // it. Over a big campaign it takes seconds the first time (in a worker thread): the page counts
    // the progress meanwhile, and does not wait for it long.
    const measured = campaign.startedAt !== null && !(req.isHtmx && req.headers['hx-target'] === 'campaign-progress')
    const winbackSoon = measured ? within(app.figure({ name: 'lift', campaignId: id, windowDays: REACTIVATION_DAYS }), (err) => req.log.warn({ err }, 'win-back figure'), reply.elapsedTime) : null
    winbackSoon?.catch(() => undefined) // awaited below; should counting the progress fail first, that is the page's error
    const progress = campaignProgressNow(app.db, id)
    const winback = await winbackSoon
    const data = {
      title: campaign.name,
      campaign,
      options: campaignOptions(campaign),
      segment: campaignOptions(campaign).target.segment ? findSegmentOrNull(campaignOptions(campaign).target.segment!) : null,
      progress,
      exclusions: campaign.exclusions ? (JSON.parse(campaign.exclusions) as Record<string, number>) : null,
      winback,
      winbackPending: measured && winback === null,
      // The follow-up checks after a comeback, when the campaign asks them.
      after: campaign.startedAt && campaign.followUpDays ? afterComeback(app.db, { campaignId: id }) : null,
      minGroup: MIN_GROUP,
      preview: campaign.status === 'draft' ? previewCampaignTarget(app.db, campaignOptions(campaign), id) : null,
      actions: allowedActions(campaign.status as CampaignStatus).filter((a) => a !== 'complete'),
    }
    if (req.isHtmx && req.headers['hx-target'] === 'campaign-progress') return reply.view('admin/campaigns/_progress', data)
    return reply.view('admin/campaigns/show', data)
  })

  app.post('/:id/action', managers, async (req, reply) => {
    const { id } = idParams.parse(req.params)
    const body = actionBody.parse(req.body)
    await app.changeCampaign({ id, action: body.action, actor: req.user!.email, scheduledAt: body.scheduled_at })
    app.mailSender.kick()
    return reply.redirect(`/admin/campaigns/${id}`, 303)
  })

  // The mail as a sample customer gets it: the page shows the text, the HTML goes to a sandboxed frame.
  app.get('/:id/mail', managers, async (req, reply) => {
    const { id } = idParams.parse(req.params)
    const q = mailQuery.parse(req.query)
    const mail = previewCampaignMail(app.db, app.config, id, q.kind, q.lang)
    if (!mail) throw notFound('campaign')
    return reply.view('admin/campaigns/mail', { title: req.t('mailPreview.title', { subject: mail.subject }), campaign: getCampaign(app.db, id), mail, query: q })
  })

  app.get('/:id/mail.html', managers, async (req, reply) => {
    const { id } = idParams.parse(req.params)
    const q = mailQuery.parse(req.query)
    const mail = previewCampaignMail(app.db, app.config, id, q.kind, q.lang)
    if (!mail) throw notFound('campaign')
    return sendMailHtml(reply, mail.html)
  })
}

/**
 * A mail's HTML on its own page, for a sandboxed frame: its inline styles allowed, no script,
 * and links that open outside the frame.
 */
export function sendMailHtml(reply: FastifyReply, html: string) {
  reply.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data: https:; frame-ancestors 'self'; base-uri 'none'")
  reply.header('X-Frame-Options', 'SAMEORIGIN')
  reply.type('text/html; charset=utf-8')
  return reply.send(html.replace(/<head>/i, '<head><base target="_blank">'))
}

export default campaignRoutes
