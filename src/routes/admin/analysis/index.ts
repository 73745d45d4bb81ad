import type { FastifyPluginAsync } from 'fastify'
import { z } from 'zod'
import { barChart } from '../../../domain/charts.ts'
import { AppError } from '../../../domain/errors.ts'
import { latestAnalysis } from '../../../services/analysis-report.ts'

const dateField = z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date (YYYY-MM-DD)').optional())
const backtestQuery = z.object({ calibration_end: dateField, holdout_end: dateField })

/** /admin/analysis: the latest run (models, fit, notes), "run now", and the back-test. Managers and admins. */
const analysisRoutes: FastifyPluginAsync = async (app) => {
  const managers = { preHandler: app.requireUser('admin', 'manager') }

  app.get('/', managers, async (req, reply) => {
    const query = backtestQuery.parse(req.query)
    let result = null
    let error: string | null = null
    if (query.calibration_end) {
      try {
        // A fit over every customer: in a worker thread, so that respondents are not kept waiting.
        result = await app.runTask('backtest', { calibrationEnd: query.calibration_end, holdoutEnd: query.holdout_end })
      } catch (e) {
        if (!(e instanceof AppError)) throw e
        error = e.message
        reply.code(400)
      }
    }
    const chart =
      result &&
      barChart({
        categories: result.rows.map((r) => r.group),
        series: [
          { name: 'Actual', values: result.rows.map((r) => r.actual) },
          { name: 'Predicted by BG/NBD', values: result.rows.map((r) => r.predicted) },
        ],
        formatValue: (v) => v.toFixed(1),
      })
    return reply.view('admin/analysis/index', {
      title: 'Analysis',
      latest: latestAnalysis(app.db),
      running: app.analysisJobs.busy,
      query,
      backtest: result,
      backtestChart: chart,
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
