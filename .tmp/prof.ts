import Database from 'better-sqlite3'
const db = new Database(process.argv[2])
const t = (label: string, sql: string, p: any = {}) => { const s = performance.now(); const r = db.prepare(sql).all(p); console.log(label, (performance.now() - s).toFixed(0), 'ms', JSON.stringify(r).slice(0, 120)) }
t('bare', "SELECT count(*), sum(nps >= 9), avg(ces) FROM responses WHERE status = 'complete'")
t('scores', `SELECT count(*) AS responses, coalesce(sum(r.nps >= 9), 0), coalesce(sum(r.nps <= 6), 0), count(r.nps), coalesce(sum(r.csat >= 4), 0), count(r.csat), avg(r.ces), count(r.ces) FROM responses r WHERE r.status='complete'`)
t('reasons', `SELECT r.main_reason AS reason, count(*) AS n FROM responses r WHERE r.status='complete' AND r.main_reason IS NOT NULL GROUP BY r.main_reason`)
t('rate', `SELECT count(*) AS mailed, coalesce(sum(EXISTS (SELECT 1 FROM responses r WHERE r.member_id = m.id AND r.status = 'complete')), 0) AS answered FROM campaign_members m JOIN campaigns k ON k.id = m.campaign_id WHERE k.kind = 'campaign' AND m.mails_sent > 0`)
t('wonback', `WITH first_mail AS (SELECT g.customer_id, min(g.sent_at) AS since FROM messages g JOIN campaign_members m ON m.id = g.member_id WHERE g.kind = 'invitation' AND g.status = 'sent' AND g.campaign_id IS NOT NULL GROUP BY g.customer_id)
     SELECT count(DISTINCT f.customer_id) AS customers, coalesce(sum(o.total_cents), 0) AS revenueCents FROM first_mail f JOIN orders o ON o.customer_id = f.customer_id AND o.status = 'completed' AND o.ordered_at > f.since AND o.ordered_at <= strftime('%Y-%m-%dT%H:%M:%fZ', f.since, '+' || 90 || ' days')`)
t('tier', `SELECT r.main_reason AS reason, CASE WHEN a.value_if_won_cents IS NULL THEN 'unknown' WHEN a.value_if_won_cents >= 10000 THEN 'high' WHEN a.value_if_won_cents >= 2000 THEN 'medium' ELSE 'low' END AS tier, count(*) AS n FROM responses r LEFT JOIN customer_analysis a ON a.customer_id = r.customer_id WHERE r.status='complete' AND r.main_reason IS NOT NULL GROUP BY reason, tier`)
t('monthly', `SELECT substr(r.completed_at, 1, 7) AS month, r.main_reason AS reason, count(*) AS n FROM responses r WHERE r.status='complete' AND r.main_reason IS NOT NULL GROUP BY month, reason ORDER BY month`)
t('stakes', `SELECT lapse_status, count(*), sum(value_if_won_cents) FROM customer_analysis GROUP BY lapse_status`)
