import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { listCampaigns } from '../../repos/campaigns.ts'
import type { ResponseFilter } from '../../repos/dashboard.ts'
import { builtInSegmentRefs, findSegment, savedSegmentRefs, segmentWhere } from '../../services/segments.ts'

const blank = (v: unknown) => (v === '' ? undefined : v)
const day = z.preprocess(blank, z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().catch(undefined))

/** The dashboards' filters, kept in the URL so that a view can be bookmarked and shared; anything else is ignored. */
export const dashboardQuery = z.object({
  campaign: z.preprocess(blank, z.coerce.number().int().positive().optional().catch(undefined)),
  from: day,
  to: day,
  locale: z.preprocess(blank, z.enum(['de', 'en']).optional().catch(undefined)),
  segment: z.preprocess(blank, z.string().regex(/^[a-z0-9-]{1,40}$/).optional().catch(undefined)),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
})
export type DashboardQuery = z.infer<typeof dashboardQuery>

/** The filter as the repos apply it; an unknown segment is a 404. */
export function dashboardFilter(app: FastifyInstance, q: DashboardQuery): ResponseFilter {
  return { campaignId: q.campaign, from: q.from, to: q.to, locale: q.locale, segment: q.segment ? segmentWhere(findSegment(app.db, q.segment).rules) : undefined }
}

/** What the filter form offers: campaigns and segments. */
export function dashboardChoices(app: FastifyInstance) {
  return {
    campaigns: listCampaigns(app.db).filter((c) => c.kind === 'campaign'),
    segments: [...savedSegmentRefs(app.db), ...builtInSegmentRefs()],
  }
}

/** The filters as a query string, for links that keep them. */
export function dashboardQueryString(q: DashboardQuery): string {
  const p = new URLSearchParams()
  for (const k of ['campaign', 'from', 'to', 'locale', 'segment'] as const) if (q[k] !== undefined) p.set(k, String(q[k]))
  return p.toString()
}

/** What every dashboard view shows of its filters: the query, it as a string for links, and the choices of the form. */
export function dashboardLocals(app: FastifyInstance, q: DashboardQuery) {
  return { query: q, qs: dashboardQueryString(q), ...dashboardChoices(app) }
}
