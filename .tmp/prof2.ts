import Database from 'better-sqlite3'
const db = new Database(process.argv[2])
const couponDiscount = (c: string, o: string) => `0`
const sql = `WITH members AS (
       SELECT m.id, m.customer_id, m.arm, m.holdout, m.mails_sent > 0 AS mailed, m.opened_at IS NOT NULL AS opened,
         EXISTS (SELECT 1 FROM messages b WHERE b.member_id = m.id AND b.status = 'bounced') AS bounced,
         coalesce(CASE WHEN m.holdout THEN NULL ELSE
                    (SELECT min(g.sent_at) FROM messages g WHERE g.member_id = m.id AND g.kind = 'invitation' AND g.status = 'sent') END,
                  k.started_at) AS since
       FROM campaign_members m JOIN campaigns k ON k.id = m.campaign_id
       WHERE m.campaign_id = @campaignId AND k.started_at IS NOT NULL)
     SELECT s.arm, s.holdout, s.mailed, s.bounced, s.opened, r.id IS NOT NULL AS started, coalesce(r.status = 'complete', 0) AS completed,
       EXISTS (SELECT 1 FROM rewards w JOIN coupons c ON c.id = w.coupon_id WHERE w.response_id = r.id AND c.redeemed_at IS NOT NULL) AS redeemed,
       r.main_reason AS reason,
       count(o.id) AS orders, coalesce(sum(o.total_cents), 0) AS revenueCents,
       EXISTS (SELECT 1 FROM rewards w WHERE w.response_id = r.id) AS offered
     FROM members s
     LEFT JOIN responses r ON r.member_id = s.id
     LEFT JOIN orders o ON o.customer_id = s.customer_id AND o.status = 'completed'
       AND o.ordered_at > s.since AND o.ordered_at <= strftime('%Y-%m-%dT%H:%M:%fZ', s.since, '+' || @windowDays || ' days')
     GROUP BY s.id`
for (const row of db.prepare('EXPLAIN QUERY PLAN ' + sql).all({ campaignId: 1, windowDays: 90 }) as any[]) console.log(row.id, row.parent, row.detail)
for (let i = 0; i < 2; i++) { const s = performance.now(); const r = db.prepare(sql).all({ campaignId: 1, windowDays: 90 }); console.log(r.length, (performance.now() - s).toFixed(0), 'ms') }
