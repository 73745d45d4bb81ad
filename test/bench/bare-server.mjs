// The baseline of the page benchmarks: a bare Fastify route on the same machine, nothing else.
import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.get('/bare', async () => 'ok')
await app.listen({ host: '127.0.0.1', port: Number(process.argv[2]) })
process.send?.('ready')
