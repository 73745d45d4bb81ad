import { parentPort, Worker, workerData } from 'node:worker_threads'
import { randomBytes } from 'node:crypto'
import nodemailer from 'nodemailer'
import type { OutgoingMail } from '../mail/transport.ts'
import { RequestThread } from './request-thread.ts'
import { workerSource } from './tasks.ts'

/**
 * SMTP from a thread of its own. nodemailer's work per message (building the MIME tree, encoding
 * quoted-printable, feeding the socket) took most of the sender's thread: the mail bench's sender,
 * with its database writes, rendering and send-time checks on the same thread, reached about 0.6
 * of raw nodemailer. In this thread nodemailer runs beside the sender (and beside the server's
 * pages), on the machine's other core. The pool and its options are nodemailer's, as before.
 */
export interface SmtpOptions {
  url: string
  maxConnections: number
  dkim?: unknown
}

/** A refusal or failure as the sender reads it (`responseCode` ≥ 500 is permanent). */
export type SmtpError = Error & { code?: string; responseCode?: number }

type Request = { id: number; mail: OutgoingMail }
type Answer = { id: number; messageId: string } | { id: number; error: { message: string; code?: string; responseCode?: number } }

export interface SmtpThread {
  send(mail: OutgoingMail): Promise<{ messageId: string }>
  close(): void
}

/**
 * The thread starts with the first message. While no message is on its way it keeps no process
 * alive (a command ends when its work does). If the thread stops, every message on its way fails
 * as a temporary error (the sender tries it again later) and the next one starts a new thread.
 */
export function startSmtpThread(options: SmtpOptions): SmtpThread {
  const thread = new RequestThread<Answer>({
    start: () => new Worker(workerSource('smtp-thread'), { eval: true, workerData: { comebackSmtp: options } }),
    settle: (a) => ('error' in a ? { error: Object.assign(new Error(a.error.message), { code: a.error.code, responseCode: a.error.responseCode }) } : { value: { messageId: a.messageId } }),
    stopped: (reason) => Object.assign(new Error(`the SMTP thread stopped: ${reason}`), { code: 'ETHREAD' }),
  })
  return {
    send: (mail) => thread.request({ mail } satisfies Omit<Request, 'id'>),
    // The thread sends QUIT on its connections and ends by itself; nothing waits for it.
    close: () => void thread.close({ wait: false }),
  }
}

// Only inside such a thread: one pooled transport, one message per request.
const data = workerData as { comebackSmtp?: SmtpOptions } | null
if (data?.comebackSmtp && parentPort) {
  const port = parentPort
  const { url, maxConnections, dkim } = data.comebackSmtp
  const smtp = nodemailer.createTransport({ url, pool: true, maxConnections, maxMessages: Infinity, dkim } as never)
  // Two costs of nodemailer's per message that this thread, busy with nothing else, can spare (by
  // CPU profile, about a twentieth of its time): Node's stream pipeline ends every message by
  // making an AbortError, whose stack trace nothing here reads (failures go back as message and
  // code); and each MIME part drew its boundary from the system's random source. The boundaries
  // share one secret base per thread with a count, so a name or text in a mail cannot guess one.
  Error.stackTraceLimit = 0
  const boundarySeed = randomBytes(12).toString('hex')
  let messages = 0
  port.on('message', (r: Request | { close: true }) => {
    if ('close' in r) {
      smtp.close()
      port.close()
      return
    }
    smtp.sendMail({ ...r.mail, baseBoundary: `${boundarySeed}${(messages++).toString(36)}` } as never).then(
      (info: { messageId: string }) => port.postMessage({ id: r.id, messageId: info.messageId } satisfies Answer),
      (err: SmtpError) => port.postMessage({ id: r.id, error: { message: err.message, code: err.code, responseCode: err.responseCode } } satisfies Answer),
    )
  })
}
