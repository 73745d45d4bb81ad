import { resolve } from 'node:path'
import fastifyStatic from '@fastify/static'
import view from '@fastify/view'
import fp from 'fastify-plugin'
import { rootDir, staticDir, viewsDir } from '../paths.ts'
import { templates } from '../templates.ts'


declare module 'fastify' {
  interface FastifyRequest {
    /** True for htmx requests: routes answer with a fragment, without the layout. */
    isHtmx: boolean
  }
  interface FastifyReply {
    /** Data every template of the request sees (user, CSRF token, current path). */
    locals: Record<string, unknown> | undefined
  }
}

/** Eta templates (escaped by default), the static files and htmx, served by the app itself. */
export default fp(
  async (app) => {
    // Templates compile once and stay cached, except while developing. @fastify/view reconfigures
    // Eta's cache from its own `production` flag on every render, so that flag must say the same.
    const cache = process.env.NODE_ENV !== 'development'
    const eta = templates({ cache, autoEscape: true, autoTrim: false })
    await app.register(view, {
      engine: { eta },
      templates: viewsDir,
      production: cache,
      // `e` escapes a value placed into a catalogue text that holds markup.
      defaultContext: { e: eta.config.escapeFunction },
    })
    await app.register(fastifyStatic, {
      root: staticDir,
      prefix: '/static/',
      maxAge: '1h',
    })
    // htmx straight from node_modules: never a CDN, always the installed version.
    await app.register(fastifyStatic, {
      root: resolve(rootDir, 'node_modules/htmx.org/dist'),
      prefix: '/static/vendor/',
      allowedPath: (path) => path === '/htmx.min.js',
      decorateReply: false,
      maxAge: '1d',
    })
    app.decorateRequest('isHtmx', false)
    app.addHook('onRequest', (req, _reply, done) => {
      req.isHtmx = req.headers['hx-request'] === 'true'
      done()
    })
  },
  { name: 'view' },
)
