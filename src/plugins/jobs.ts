import fp from 'fastify-plugin'
import { AnalysisJobs } from '../jobs/analysis.ts'
import { MailSender } from '../jobs/sender.ts'
import { WebhookSender } from '../jobs/webhook-sender.ts'
import { tasks, type TaskInput, type TaskName, type TaskResult } from '../jobs/task-worker.ts'
import { runTask, TaskThreads } from '../jobs/tasks.ts'
import { createMailTransport, type MailTransport } from '../mail/transport.ts'
import { figuresToComputeAhead, keptFigure, type FigureRequest, type FigureValue } from '../services/figures.ts'
import type { Cached } from '../services/result-cache.ts'
import { changeCampaignState, startsInWorker } from '../services/campaigns.ts'

declare module 'fastify' {
  interface FastifyInstance {
    analysisJobs: AnalysisJobs
    mailSender: MailSender
    webhookSender: WebhookSender
    /** A long task in a worker thread (in-process for an in-memory database): the server keeps answering. */
    runTask: <N extends TaskName>(task: N, input: TaskInput[N]) => Promise<TaskResult[N]>
    /** Change a campaign's state (services/campaigns.ts); a start over a big shop runs in a worker thread. */
    changeCampaign: (change: TaskInput['campaignAction']) => Promise<void>
    /** A dashboard figure as kept (services/result-cache.ts); a slow one is computed in a worker thread. */
    figure: <R extends FigureRequest>(r: R) => Promise<Cached<FigureValue<R>>>
  }
}

/** Background jobs of the server process; they read their work from the database. */
export default fp<{ nightly: boolean; transport?: MailTransport }>(
  async (app, { nightly, transport }) => {
    const jobs = new AnalysisJobs(app.db, app.config.dbFile, app.log)
    if (nightly) jobs.scheduleNightly()
    app.decorate('analysisJobs', jobs)
    app.addHook('onClose', async () => jobs.stop())
    app.decorate('runTask', <N extends TaskName>(task: N, input: TaskInput[N]) =>
      app.config.dbFile === ':memory:' ? Promise.resolve(tasks[task](app.db, input)) : runTask(app.config.dbFile, task, input),
    )
    // A campaign's state changes here, and a start over a big shop in a worker thread.
    app.decorate('changeCampaign', async (change: TaskInput['campaignAction']) => {
      if (startsInWorker(app.db, change.action)) await app.runTask('campaignAction', change)
      else changeCampaignState(app.db, change.id, change.action, change.actor, { scheduledAt: change.scheduledAt, now: change.now ? new Date(change.now) : undefined })
      // A campaign that starts has a win-back figure from now on: worked out ahead over a big shop.
      if (change.action === 'start' || change.action === 'resume') void computeAhead()
    })
    const sender = new MailSender(app.db, app.config, transport ?? createMailTransport(app.config), app.log)
    sender.startCampaign = (id, now) => app.changeCampaign({ id, action: 'start', actor: 'scheduler', now: now.toISOString() })
    sender.start()
    app.decorate('mailSender', sender)
    // Figures come often: their worker threads are kept while they come (jobs/tasks.ts, TaskThreads).
    const figureThreads = app.config.dbFile === ':memory:' ? null : new TaskThreads(app.config.dbFile)
    app.addHook('onClose', async () => figureThreads?.close())
    const offload = <R extends FigureRequest>(r: R) => (figureThreads ? figureThreads.run('figure', r) : app.runTask('figure', r)) as Promise<FigureValue<R>>
    app.decorate('figure', <R extends FigureRequest>(r: R) => keptFigure(app.db, r, offload))
    // Over a big shop the first views' figures are computed ahead, one after another in a worker
    // thread: when the server is ready, after each analysis and when a campaign starts. A round
    // asked for while one runs follows it (figures still kept are not computed again).
    let closing = false
    let ahead = Promise.resolve()
    const computeAhead = () => {
      ahead = ahead.then(async () => {
        if (closing) return
        try {
          for (const r of figuresToComputeAhead(app.db)) {
            if (closing) return
            await app.figure(r)
          }
        } catch (err) {
          // Never more than a missed head start: the page computes the figure when asked. A stop
          // ends the figure threads under a round: nothing to report then.
          if (!closing) app.log.warn({ err }, 'could not compute the figures ahead')
        }
      })
    }
    jobs.onFinished = () => void computeAhead()
    app.addHook('onReady', async () => void computeAhead())
    app.addHook('onClose', async () => {
      closing = true
    })
    app.addHook('onClose', async () => sender.stop())
    const hooks = new WebhookSender(app.db, app.log)
    hooks.start()
    app.decorate('webhookSender', hooks)
    app.addHook('onClose', async () => hooks.stop())
  },
  { name: 'jobs', dependencies: ['db'] },
)
