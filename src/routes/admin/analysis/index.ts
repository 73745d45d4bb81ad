import type { FastifyPluginAsync } from 'fastify'
import { z } from 'zod'
import { AppError, type Note } from '../../../domain/errors.ts'
import { backtestChart, latestAnalysis, runningAnalysisRun, stakeChart } from '../../../services/analysis-report.ts'

const dateField = z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date (YYYY-MM-DD)').optional())
const backtestQuery = z.object({ calibration_end: dateField, holdout_end: dateField })

/** /admin/analysis: the latest run (models, fit, notes), "run now", and the back-test. Managers and admins. */
const analysisRoutes: FastifyPluginAsync = async (app) => {
  const managers = { preHandler: app.requireUser('admin', 'manager') }

  app.get('/', managers, async (req, reply) => {
    const query = backtestQuery.parse(req.query)
    let result = null
    let error: Note | null = null
    if (query.calibration_end) {
      try {
        // A fit over every customer: in a worker thread, so that respondents are not kept waiting.
        result = await app.runTask('backtest', { calibrationEnd: query.calibration_end, holdoutEnd: query.holdout_end })
      } catch (e) {
        if (!(e instanceof AppError)) throw e
        error = e.note
        reply.code(400)
      }
    }
    const latest = latestAnalysis(app.db)
    return reply.view('admin/analysis/index', {
      title: req.t('analysis.title'),
      latest,
      stakeChart: latest && stakeChart(latest, req.t),
      running: app.analysisJobs.busy,
      progress: runningAnalysisRun(app.db) ?? null,
      query,
      backtest: result,
      backtestChart: result && backtestChart(result, req.t),
      autoBacktestChart: latest?.summary.models.backtest ? backtestChart(latest.summary.models.backtest, req.t) : null,
      backtestError: error,
    })
  })

  app.post('/run', managers, async (req, reply) => {
    void app.analysisJobs.request('manual')
    if (req.isHtmx) return reply.header('HX-Redirect', '/admin/analysis').code(204).send()
    return reply.redirect('/admin/analysis', 303)
  })
}

export default analysisRoutes
