import Database from 'better-sqlite3'
const db = new Database(process.argv[2])
const sql = `WITH members AS MATERIALIZED (
       SELECT m.id, m.customer_id, m.arm, m.holdout, m.mails_sent > 0 AS mailed, m.opened_at IS NOT NULL AS opened,
         EXISTS (SELECT 1 FROM messages b WHERE b.member_id = m.id AND b.status = 'bounced') AS bounced,
         coalesce(CASE WHEN m.holdout THEN NULL ELSE
                    (SELECT min(g.sent_at) FROM messages g WHERE g.member_id = m.id AND g.kind = 'invitation' AND g.status = 'sent') END,
                  k.started_at) AS since
       FROM campaign_members m JOIN campaigns k ON k.id = m.campaign_id
       WHERE m.campaign_id = @campaignId AND k.started_at IS NOT NULL),
     bought AS MATERIALIZED (
       SELECT s.id, count(*) AS orders, sum(o.total_cents) AS revenueCents FROM members s JOIN orders o ON o.customer_id = s.customer_id AND o.status = 'completed'
       AND o.ordered_at > s.since AND o.ordered_at <= strftime('%Y-%m-%dT%H:%M:%fZ', s.since, '+' || @windowDays || ' days') GROUP BY s.id)
     SELECT s.arm, s.holdout, s.mailed, s.bounced, s.opened, r.id IS NOT NULL AS started, coalesce(r.status = 'complete', 0) AS completed,
       w.id IS NOT NULL AND c.redeemed_at IS NOT NULL AS redeemed,
       r.main_reason AS reason,
       coalesce(b.orders, 0) AS orders, coalesce(b.revenueCents, 0) AS revenueCents,
       w.id IS NOT NULL AS offered
     FROM members s
     LEFT JOIN responses r ON r.member_id = s.id
     LEFT JOIN rewards w ON w.response_id = r.id LEFT JOIN coupons c ON c.id = w.coupon_id
     LEFT JOIN bought b ON b.id = s.id`
for (const row of db.prepare('EXPLAIN QUERY PLAN ' + sql).all({ campaignId: 1, windowDays: 90 }) as any[]) console.log(row.id, row.parent, row.detail)
for (let i = 0; i < 2; i++) { const s = performance.now(); const r = db.prepare(sql).all({ campaignId: 1, windowDays: 90 }); console.log(r.length, (performance.now() - s).toFixed(0), 'ms') }
