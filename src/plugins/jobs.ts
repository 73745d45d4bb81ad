import fp from 'fastify-plugin'
import { AnalysisJobs } from '../jobs/analysis.ts'
import { MailSender } from '../jobs/sender.ts'
import { createMailTransport, type MailTransport } from '../mail/transport.ts'

declare module 'fastify' {
  interface FastifyInstance {
    analysisJobs: AnalysisJobs
    mailSender: MailSender
  }
}

/** Background jobs of the server process; they read their work from the database. */
export default fp<{ nightly: boolean; transport?: MailTransport }>(
  async (app, { nightly, transport }) => {
    const jobs = new AnalysisJobs(app.db, app.config.dbFile, app.log)
    if (nightly) jobs.scheduleNightly()
    app.decorate('analysisJobs', jobs)
    app.addHook('onClose', async () => jobs.stop())
    const sender = new MailSender(app.db, app.config, transport ?? createMailTransport(app.config), app.log)
    sender.start()
    app.decorate('mailSender', sender)
    app.addHook('onClose', async () => sender.stop())
  },
  { name: 'jobs', dependencies: ['db'] },
)
