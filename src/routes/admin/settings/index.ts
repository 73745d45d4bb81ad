import { createReadStream, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { backupDatabase } from '../../../services/backup.ts'
import type { Translate } from '../../../domain/i18n.ts'
import { z } from 'zod'
import { AppError } from '../../../domain/errors.ts'
import { getAnalysisSettings, getBrand, getMailSettings, saveAnalysisSettings, saveMailAndBrand } from '../../../services/settings.ts'
import type { AnalysisSettings } from '../../../domain/analysis.ts'

/** Form fields are text; numbers are read here and validated by the settings schema. */
const number = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? Number(v.trim().replace(',', '.')) : NaN)
const settingsForm = z.record(z.string(), z.string())

function fromForm(f: Record<string, string>) {
  return {
    lapse: { atRisk: number(f.at_risk), lapsed: number(f.lapsed), lost: number(f.lost), lostAfterDays: number(f.lost_after_days) },
    clv: { horizonMonths: number(f.horizon_months), annualDiscountRate: number(f.discount_rate) / 100, margin: number(f.margin) / 100 },
    incentiveCostCents: Math.round(number(f.incentive_cost) * 100),
    model: f.model ?? 'auto',
  }
}

/** The stored settings as the form shows them: decimals written as the reader writes them (1,5 in German). */
function toForm(s: AnalysisSettings, t: Translate): Record<string, string> {
  const decimal = (n: number, digits = 0) => new Intl.NumberFormat(t.intl, { useGrouping: false, minimumFractionDigits: digits, maximumFractionDigits: Math.max(digits, 4) }).format(n)
  return {
    at_risk: decimal(s.lapse.atRisk),
    lapsed: decimal(s.lapse.lapsed),
    lost: decimal(s.lapse.lost),
    lost_after_days: decimal(s.lapse.lostAfterDays),
    horizon_months: decimal(s.clv.horizonMonths),
    discount_rate: decimal(Math.round(s.clv.annualDiscountRate * 10000) / 100),
    margin: decimal(Math.round(s.clv.margin * 10000) / 100),
    incentive_cost: decimal(s.incentiveCostCents / 100, 2),
    model: s.model,
  }
}


/** /admin/settings: the analysis settings. Admins only. */
const settingsRoutes: FastifyPluginAsync = async (app) => {
  const admin = { preHandler: app.requireUser('admin') }

  const page = (req: FastifyRequest, extra: Record<string, unknown> = {}) => ({
    title: req.t('settings.title'),
    form: toForm(getAnalysisSettings(app.db), req.t),
    mail: getMailSettings(app.db),
    brand: getBrand(app.db),
    ...extra,
  })

  app.get('/', admin, async (req, reply) => reply.view('admin/settings/index', page(req)))

  // A download of the whole database, consistent while the server keeps writing; the temporary copy goes once sent.
  app.get('/backup', admin, async (req, reply) => {
    const dir = mkdtempSync(join(tmpdir(), 'comeback-backup-'))
    const file = join(dir, 'comeback.db')
    try {
      await backupDatabase(app.db, file, req.user!.email)
    } catch (e) {
      rmSync(dir, { recursive: true, force: true })
      throw e
    }
    const stream = createReadStream(file)
    stream.on('close', () => rmSync(dir, { recursive: true, force: true }))
    return reply
      .header('Content-Disposition', `attachment; filename="comeback-${new Date().toISOString().slice(0, 10)}.db"`)
      .header('Cache-Control', 'no-store')
      .type('application/vnd.sqlite3')
      .send(stream)
  })

  app.post('/mail', admin, async (req, reply) => {
    const form = settingsForm.parse(req.body)
    try {
      saveMailAndBrand(app.db, { name: form.shop_name ?? '' }, { existingCustomerBasis: form.existing_customer === 'on', overdueMinutes: number(form.overdue_minutes) }, req.user!.email)
    } catch (e) {
      if (!(e instanceof AppError)) throw e
      return reply.code(400).view('admin/settings/index', page(req, { mailError: e.note }))
    }
    return reply.view('admin/settings/index', page(req, { mailSaved: true }))
  })

  app.post('/', admin, async (req, reply) => {
    const form = settingsForm.parse(req.body)
    try {
      saveAnalysisSettings(app.db, fromForm(form), req.user!.email)
    } catch (e) {
      if (!(e instanceof AppError)) throw e
      return reply.code(400).view('admin/settings/index', page(req, { form, error: e.note }))
    }
    void app.analysisJobs.request('manual')
    return reply.view('admin/settings/index', page(req, { saved: true }))
  })
}

export default settingsRoutes
