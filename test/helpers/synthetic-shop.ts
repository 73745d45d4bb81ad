import type { Db } from '../../src/db/client.ts'

/**
 * A big shop made in SQL, quickly and the same every time: `customers` customers, each with
 * between 1 and 2·`ordersPerCustomer` − 1 completed orders (on average `ordersPerCustomer`) on
 * their own rhythm of 7 to 120 days, the first up to four years before `asOf`. Numbers come from a
 * multiplicative hash of the customer id, so no random state is needed. For the scale bench and
 * for tests that need more customers than the demo shop builds quickly.
 */
export function buildSyntheticShop(db: Db, options: { customers: number; ordersPerCustomer: number; asOf: string }): { customers: number; orders: number } {
  const sql = db.$client
  const { customers, ordersPerCustomer, asOf } = options
  // h(id, k): a well-mixed number in [0, 2^32) for customer id and salt k.
  const h = (k: number) => `((c.id * 2654435761 + ${k * 40503}) % 4294967296)`
  sql.exec(`
    INSERT INTO customers (external_id, email, first_name, last_name, locale, email_consent)
      SELECT 'S' || x, 's' || x || '@example.com', 'Kim', 'Muster' || (x % 9973), CASE WHEN x % 3 = 0 THEN 'en' ELSE 'de' END,
             CASE x % 3 WHEN 0 THEN 'granted' WHEN 1 THEN 'unknown' ELSE 'existing_customer' END
      FROM (WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ${customers}) SELECT x FROM n);
    CREATE TEMP TABLE synthetic_plan AS
      SELECT c.id AS customer_id, 1 + ${h(1)} % ${2 * ordersPerCustomer - 1} AS orders, 7 + ${h(2)} % 114 AS gap,
             ${h(3)} % 1461 AS first_ago
      FROM customers c WHERE c.external_id GLOB 'S*';
    INSERT INTO orders (external_id, customer_id, ordered_at, total_cents, currency, items, status)
      SELECT 'SO' || p.customer_id || '-' || n.x, p.customer_id,
             strftime('%Y-%m-%dT%H:%M:%fZ', '${asOf}', '-' || p.first_ago || ' days', '+' || ((n.x - 1) * p.gap) || ' days', '+' || (p.customer_id % 600) || ' minutes'),
             1000 + (p.customer_id * 7 + n.x * 13) % 9000, 'EUR',
             CASE (p.customer_id + n.x) % 4 WHEN 0 THEN 'Espresso 500g' WHEN 1 THEN 'Filterkaffee 500g|Milchschäumer' WHEN 2 THEN 'Grüner Tee 100g' ELSE NULL END,
             'completed'
      FROM synthetic_plan p
      JOIN (WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ${2 * ordersPerCustomer}) SELECT x FROM n) n ON n.x <= p.orders
      WHERE (n.x - 1) * p.gap <= p.first_ago;
    DROP TABLE synthetic_plan;`)
  const count = (table: string) => (sql.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
  return { customers: count('customers'), orders: count('orders') }
}
