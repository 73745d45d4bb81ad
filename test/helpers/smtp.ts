import { afterAll, beforeAll, beforeEach } from 'vitest'
import type { AddressInfo } from 'node:net'
import { simpleParser, type ParsedMail } from 'mailparser'
import { SMTPServer } from 'smtp-server'

/**
 * A real SMTP server on 127.0.0.1 for tests. `reject` answers chosen recipients with a code
 * (550 permanent, 451 temporary), as many times as asked. `beforeAccepting`, when given, runs
 * once each message is in and before the server answers that it took it.
 */
export async function startSmtpServer(options: { beforeAccepting?: (received: number) => void | Promise<void> } = {}) {
  const received: (ParsedMail & { raw: string; envelopeTo: string[] })[] = []
  const rejections = new Map<string, { code: number; times: number }>()
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const rule = rejections.get(address.address.toLowerCase())
      if (rule && rule.times > 0) {
        rule.times--
        const err = new Error(rule.code >= 500 ? 'No such user here' : 'Try again later') as Error & { responseCode: number }
        err.responseCode = rule.code
        return callback(err)
      }
      callback()
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', async () => {
        const raw = Buffer.concat(chunks).toString('utf8')
        const parsed = await simpleParser(raw)
        received.push(Object.assign(parsed, { raw, envelopeTo: session.envelope.rcptTo.map((r) => r.address) }))
        await options.beforeAccepting?.(received.length)
        callback()
      })
    },
  })
  // A client killed mid-conversation (the crash test) resets its connection: expected, not a failure.
  server.on('error', (err: Error & { code?: string }) => {
    if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') throw err
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.server.address() as AddressInfo).port
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    reject(address: string, code: number, times = Infinity) {
      rejections.set(address.toLowerCase(), { code, times })
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** One SMTP server for a file's tests, emptied before each test. */
export function useSmtpServer(): { server: Awaited<ReturnType<typeof startSmtpServer>> } {
  const ctx = {} as { server: Awaited<ReturnType<typeof startSmtpServer>> }
  beforeAll(async () => {
    ctx.server = await startSmtpServer()
  })
  afterAll(async () => ctx.server.close())
  beforeEach(() => {
    ctx.server.received.length = 0
  })
  return ctx
}
