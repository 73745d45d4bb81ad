import fp from 'fastify-plugin'
import { AnalysisJobs } from '../jobs/analysis.ts'

declare module 'fastify' {
  interface FastifyInstance {
    analysisJobs: AnalysisJobs
  }
}

/** Background jobs of the server process; they read their work from the database. */
export default fp<{ nightly: boolean }>(
  async (app, { nightly }) => {
    const jobs = new AnalysisJobs(app.db, app.config.dbFile, app.log)
    if (nightly) jobs.scheduleNightly()
    app.decorate('analysisJobs', jobs)
    app.addHook('onClose', async () => jobs.stop())
  },
  { name: 'jobs', dependencies: ['db'] },
)
