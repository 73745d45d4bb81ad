import { parentPort, Worker, workerData } from 'node:worker_threads'
import { randomBytes } from 'node:crypto'
import nodemailer from 'nodemailer'
import type { OutgoingMail } from '../mail/transport.ts'
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

type Request = { id: number; mail: OutgoingMail } | { close: true }
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
  type Waiting = Map<number, { resolve: (v: { messageId: string }) => void; reject: (e: SmtpError) => void }>
  let current: { worker: Worker; waiting: Waiting } | null = null
  let nextId = 0
  const start = () => {
    const worker = new Worker(workerSource('smtp-thread'), { eval: true, workerData: { comebackSmtp: options } })
    const thread = { worker, waiting: new Map() as Waiting }
    worker.on('message', (a: Answer) => {
      const entry = thread.waiting.get(a.id)
      if (!entry) return
      thread.waiting.delete(a.id)
      if ('error' in a) entry.reject(Object.assign(new Error(a.error.message), { code: a.error.code, responseCode: a.error.responseCode }))
      else entry.resolve({ messageId: a.messageId })
      if (thread.waiting.size === 0) worker.unref()
    })
    const gone = (reason: string) => {
      if (current === thread) current = null
      for (const w of thread.waiting.values()) w.reject(Object.assign(new Error(`the SMTP thread stopped: ${reason}`), { code: 'ETHREAD' }))
      thread.waiting.clear()
    }
    worker.on('error', (err) => gone(err.message))
    worker.on('exit', (code) => gone(`exit code ${code}`))
    return thread
  }
  return {
    send(mail) {
      const thread = (current ??= start())
      thread.worker.ref()
      const id = nextId++
      return new Promise((resolve, reject) => {
        thread.waiting.set(id, { resolve, reject })
        thread.worker.postMessage({ id, mail } satisfies Request)
      })
    },
    close() {
      const thread = current
      current = null
      if (!thread) return
      // The thread sends QUIT on its connections and ends by itself; nothing waits for it.
      thread.worker.postMessage({ close: true } satisfies Request)
      thread.worker.unref()
    },
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
  port.on('message', (r: Request) => {
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
