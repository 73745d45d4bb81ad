import type { Db } from '../../src/db/client.ts'
import { defaultCampaignOptions, type CampaignOptions } from '../../src/domain/campaign.ts'
import { createCampaign } from '../../src/services/campaigns.ts'
import { ensureDefaultSurvey } from '../../src/services/surveys.ts'

/** Campaign options that send at any hour, fast: tests must not depend on the clock. */
export function testCampaign(db: Db, options: Partial<CampaignOptions> = {}) {
  return createCampaign(
    db,
    {
      ...defaultCampaignOptions,
      name: 'Test campaign',
      target: {},
      surveyId: ensureDefaultSurvey(db),
      incentives: [{ kind: 'coupon', percent: 10, currency: 'EUR', minOrderCents: 0, validDays: 30, prefix: 'CB' }],
      holdoutPercent: 0,
      sendDays: [1, 2, 3, 4, 5, 6, 7],
      sendFrom: '00:00',
      sendTo: '23:59',
      timeZone: 'UTC',
      ratePerMinute: 1_000_000,
      ...options,
    },
    'test',
  )
}
