import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.ts'
import { tempDatabase, testConfig } from './build-app.ts'

/** The real app listening on 127.0.0.1 on a free port, on a fresh database file. */
export async function startServer() {
  const t = tempDatabase()
  const app: FastifyInstance = await buildApp({ config: testConfig(t.file), db: t.db })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    app,
    db: t.db,
    dir: t.dir,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await app.close()
      t.cleanup()
    },
  }
}
