import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import nodemailer from 'nodemailer'
import type { Config } from '../config.ts'
import { startSmtpThread } from '../jobs/smtp-thread.ts'

export interface OutgoingMail {
  from: string
  to: string
  subject: string
  text: string
  html: string
  headers?: Record<string, string>
  messageId?: string
}

export interface MailTransport {
  /** Resolves once the server (or the outbox folder) accepted the message. */
  send(mail: OutgoingMail): Promise<{ messageId: string; storedFile?: string }>
  close(): void
  /** Where mails go, for the log and the admin UI. */
  readonly description: string
}

/**
 * The transport itself cannot take mail at all (the outbox folder is full or read-only): no
 * message is at fault, so none counts a failed attempt; sending pauses until someone fixes it.
 */
export class TransportUnavailableError extends Error {
  override readonly name = 'TransportUnavailableError'
}

const UNWRITABLE = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'ENOTDIR', 'EEXIST'])

/** The outbox folder beside the database: `./data/outbox` by default. */
export function outboxFolder(config: Config): string {
  return config.dbFile === ':memory:' ? resolve('data/outbox') : join(dirname(resolve(config.dbFile)), 'outbox')
}

/**
 * SMTP through nodemailer (pooled) when SMTP_URL is set; otherwise each message is written as an
 * .eml file to the outbox folder, so that everything works on a machine without a mail server.
 */
/** DKIM covers both unsubscribe headers too, as mailbox providers ask (RFC 8058). */
const DKIM_HEADERS = 'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:Content-Transfer-Encoding:List-Unsubscribe:List-Unsubscribe-Post'

export const SMTP_CONNECTIONS = 4

export function createMailTransport(config: Config): MailTransport {
  const dkim = config.dkim ? { ...config.dkim, headerFieldNames: DKIM_HEADERS } : undefined
  if (config.smtpUrl) {
    const smtp = startSmtpThread({ url: config.smtpUrl, maxConnections: SMTP_CONNECTIONS, dkim })
    return {
      description: `SMTP ${new URL(config.smtpUrl).host}`,
      send: (mail) => smtp.send(mail),
      close: () => smtp.close(),
    }
  }
  const folder = outboxFolder(config)
  const stream = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix', dkim } as never)
  return {
    description: `outbox folder ${folder}`,
    async send(mail) {
      const info = await stream.sendMail(mail)
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${info.messageId.replace(/[<>@]/g, '').slice(0, 40)}.eml`
      try {
        mkdirSync(folder, { recursive: true })
        writeFileSync(join(folder, name), (info as unknown as { message: Buffer }).message)
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? ''
        if (!UNWRITABLE.has(code)) throw e
        const why = code === 'ENOSPC' || code === 'EDQUOT' ? 'the disk is full' : 'it is not writable'
        throw new TransportUnavailableError(`The outbox folder ${folder} cannot take mail: ${why} (${code}). Fix it, then resume.`)
      }
      return { messageId: info.messageId, storedFile: name }
    },
    close: () => stream.close(),
  }
}
