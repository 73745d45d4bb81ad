import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'
import { describe, expect, it } from 'vitest'
import { changeCampaignState } from '../../src/services/campaigns.ts'
import { tempDatabase } from '../helpers/build-app.ts'
import { testCampaign } from '../helpers/campaigns.ts'
import { importText } from '../helpers/factories.ts'
import { spawnServer } from '../helpers/server-process.ts'

describe('a server stopped while it sends', () => {
  it('records every mail the mail server accepted before it closes the database', { timeout: 60_000 }, async () => {
    // A mail server that takes half a second to accept each mail: the stop comes while mails are on the wire.
    let accepted = 0
    let receiving: () => void = () => undefined
    const firstData = new Promise<void>((resolve) => (receiving = resolve))
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, _session, callback) {
        receiving()
        stream.resume()
        stream.on('end', () =>
          setTimeout(() => {
            accepted++
            callback()
          }, 500),
        )
      },
    })
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve))
    const t = tempDatabase()
    try {
      await importText(t.db, 'customers', ['customer_id,email,locale,email_consent', ...Array.from({ length: 40 }, (_, i) => `G${i},g${i}@example.com,de,granted`)].join('\n'))
      const campaign = testCampaign(t.db, { reminders: 0, reminderDays: [] })
      changeCampaignState(t.db, campaign.id, 'start', 'test')
      const server = await spawnServer(t.file, { SMTP_URL: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}` })
      await firstData
      await server.stop()
      expect(server.output()).not.toContain('not open')
      const states = Object.fromEntries((t.db.$client.prepare('SELECT status, count(*) AS n FROM messages WHERE campaign_id = ? GROUP BY status').all(campaign.id) as { status: string; n: number }[]).map((r) => [r.status, r.n]))
      // Each mail the server accepted is recorded as sent; none is left "sending" (to go out again).
      expect(accepted).toBeGreaterThan(0)
      expect(states.sent).toBe(accepted)
      expect(states.sending).toBeUndefined()
      expect((states.sent ?? 0) + (states.queued ?? 0)).toBe(40)
    } finally {
      t.cleanup()
      await new Promise<void>((resolve) => smtp.close(() => resolve()))
    }
  })
})
