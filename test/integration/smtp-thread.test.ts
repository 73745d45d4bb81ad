import { describe, expect, it } from 'vitest'
import { startSmtpThread, type SmtpError } from '../../src/jobs/smtp-thread.ts'
import { useSmtpServer } from '../helpers/smtp.ts'

const mail = (i: number) => ({ from: 'Shop <shop@example.com>', to: `c${i}@example.com`, subject: `Hallo ${i}`, text: `Grüße an ${i}`, html: `<p>Grüße an ${i}</p>`, messageId: `<m${i}@example.com>`, headers: { 'X-Nr': String(i) } })

describe('SMTP from a thread of its own', () => {
  const smtp = useSmtpServer()

  it('answers each of many messages on their way with its own outcome, and they arrive as sent', async () => {
    const thread = startSmtpThread({ url: smtp.server.url, maxConnections: 4 })
    smtp.server.reject('c7@example.com', 550)
    smtp.server.reject('c8@example.com', 451)
    const outcomes = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => thread.send(mail(i))))
    thread.close()
    outcomes.forEach((o, i) => {
      if (i === 7 || i === 8) {
        expect(o.status).toBe('rejected')
        // The sender tells a permanent refusal from a temporary one by this code.
        expect(((o as PromiseRejectedResult).reason as SmtpError).responseCode).toBe(i === 7 ? 550 : 451)
      } else {
        expect(o).toEqual({ status: 'fulfilled', value: { messageId: `<m${i}@example.com>` } })
      }
    })
    expect(smtp.server.received).toHaveLength(28)
    for (const m of smtp.server.received) {
      const i = Number(m.headers.get('x-nr'))
      expect(m.envelopeTo).toEqual([`c${i}@example.com`])
      expect(m.messageId).toBe(`<m${i}@example.com>`)
      expect(m.subject).toBe(`Hallo ${i}`)
      expect(m.text?.trim()).toBe(`Grüße an ${i}`)
      expect(m.html).toContain(`<p>Grüße an ${i}</p>`)
    }
    // Each message's multipart boundary is its own, and not one a text could have guessed: the
    // thread's secret base (not a fixed or empty one), then a count.
    const boundaries = smtp.server.received.map((m) => /boundary="([^"]+)"/.exec(m.raw)?.[1] ?? '')
    expect(new Set(boundaries).size).toBe(28)
    for (const b of boundaries) expect(b).toMatch(/^--_NmP-[0-9a-f]{24}[0-9a-z]+-Part_1$/)
  })

  it('fails a message as temporary when the server cannot be reached, and sends again once it can', async () => {
    const down = startSmtpThread({ url: 'smtp://127.0.0.1:1', maxConnections: 1 })
    const error = await down.send(mail(1)).then(
      () => null,
      (e: SmtpError) => e,
    )
    down.close()
    expect(error?.code).toBe('ESOCKET')
    expect(error?.responseCode).toBeUndefined()
    const up = startSmtpThread({ url: smtp.server.url, maxConnections: 1 })
    await expect(up.send(mail(2))).resolves.toEqual({ messageId: '<m2@example.com>' })
    up.close()
  })
})
