-- Dashboard queries for stripesql.
--
-- Each query starts with a "-- name:" line; internal/compat runs every one
-- against the demo account (`make demo`) and checks it returns rows.
--
-- Amounts are in the currency's smallest unit (cents); "/ 100" turns them
-- into major units for two-decimal currencies (not for JPY, KWD, ...).
-- Date ranges are written out so the queries run as they are on the demo
-- account, whose data covers 2023-2024. In Grafana replace them with
-- $__timeFilter(created); in Metabase or Superset with a filter widget.
-- Conditions on created, customer and status are pushed down to Stripe
-- (EXPLAIN shows the requests), so keep them in the WHERE clause.

-- name: revenue_by_day_and_currency
-- Successful payments per day and currency.
SELECT DATE(created) AS day, currency, SUM(amount) / 100 AS revenue, COUNT(*) AS payments
FROM charges
WHERE created >= '2024-10-01' AND created < '2025-01-01' AND status = 'succeeded'
GROUP BY day, currency
ORDER BY day, currency;

-- name: revenue_by_month
SELECT DATE_FORMAT(created, '%Y-%m') AS month, currency, SUM(amount - amount_refunded) / 100 AS net_revenue
FROM charges
WHERE created >= '2024-01-01' AND created < '2025-01-01' AND status = 'succeeded'
GROUP BY month, currency
ORDER BY month, currency;

-- name: mrr_by_currency
-- MRR-ish: the monthly value of active subscriptions' items (list prices
-- times quantity; discounts and taxes left out), yearly prices spread over
-- twelve months.
SELECT s.currency,
       ROUND(SUM(item.unit_amount * item.quantity / item.interval_count *
           CASE item.billing_interval WHEN 'day' THEN 365 WHEN 'week' THEN 52 WHEN 'month' THEN 12 ELSE 1 END
       ) / 12 / 100, 2) AS mrr,
       COUNT(DISTINCT s.id) AS subscriptions
FROM subscriptions AS s,
     JSON_TABLE(s.items, '$.data[*]' COLUMNS (
         unit_amount BIGINT PATH '$.price.unit_amount',
         quantity BIGINT PATH '$.quantity',
         billing_interval VARCHAR(16) PATH '$.price.recurring.interval',
         interval_count BIGINT PATH '$.price.recurring.interval_count')) AS item
WHERE s.status IN ('active', 'past_due')
GROUP BY s.currency
ORDER BY mrr DESC;

-- name: subscriptions_by_status
SELECT status, COUNT(*) AS subscriptions
FROM subscriptions
GROUP BY status
ORDER BY subscriptions DESC;

-- name: new_and_canceled_subscriptions_by_month
SELECT month, SUM(started) AS started, SUM(canceled) AS canceled
FROM (
    SELECT DATE_FORMAT(start_date, '%Y-%m') AS month, 1 AS started, 0 AS canceled FROM subscriptions
    UNION ALL
    SELECT DATE_FORMAT(canceled_at, '%Y-%m'), 0, 1 FROM subscriptions WHERE canceled_at IS NOT NULL
) AS events
GROUP BY month
ORDER BY month;

-- name: refund_rate_by_month
-- Share of captured money refunded, by the month of the payment.
SELECT DATE_FORMAT(created, '%Y-%m') AS month,
       ROUND(SUM(amount_refunded) / SUM(amount), 4) AS refund_rate,
       SUM(refunded) AS fully_refunded_payments
FROM charges
WHERE created >= '2024-01-01' AND created < '2025-01-01' AND status = 'succeeded'
GROUP BY month
ORDER BY month;

-- name: refunds_by_reason
SELECT COALESCE(reason, 'unspecified') AS reason, status, COUNT(*) AS refunds, SUM(amount) / 100 AS amount
FROM refunds
WHERE created >= '2024-01-01'
GROUP BY reason, status
ORDER BY refunds DESC;

-- name: top_customers
-- Aggregate first, then look up the ten customers by id (ten retrieves)
-- rather than joining every charge to the customers table.
SELECT top.customer, c.email, c.name, top.paid / 100 AS paid, top.payments
FROM (
    SELECT customer, SUM(amount) AS paid, COUNT(*) AS payments
    FROM charges
    WHERE created >= '2024-01-01' AND status = 'succeeded' AND customer IS NOT NULL
    GROUP BY customer
    ORDER BY paid DESC
    LIMIT 10
) AS top
JOIN customers AS c ON c.id = top.customer
ORDER BY top.paid DESC;

-- name: failed_charges
SELECT created, id, customer, amount / 100 AS amount, currency, failure_code, failure_message
FROM charges
WHERE created >= '2024-01-01' AND status = 'failed'
ORDER BY created DESC
LIMIT 50;

-- name: failure_codes
SELECT failure_code, COUNT(*) AS failures, SUM(amount) / 100 AS amount
FROM charges
WHERE created >= '2024-01-01' AND status = 'failed'
GROUP BY failure_code
ORDER BY failures DESC;

-- name: open_invoices
SELECT id, customer, amount_remaining / 100 AS amount_remaining, currency, due_date, hosted_invoice_url
FROM invoices
WHERE status = 'open'
ORDER BY due_date
LIMIT 50;

-- name: balance_by_type
-- Gross, fees and net of balance movements (charges, refunds, payouts, ...).
SELECT type, currency, SUM(amount) / 100 AS gross, SUM(fee) / 100 AS fees, SUM(net) / 100 AS net
FROM balance_transactions
WHERE created >= '2024-10-01' AND created < '2025-01-01'
GROUP BY type, currency
ORDER BY type, currency;

-- name: new_customers_by_month
SELECT DATE_FORMAT(created, '%Y-%m') AS month, COUNT(*) AS customers
FROM customers
WHERE created >= '2024-01-01'
GROUP BY month
ORDER BY month;

-- name: price_list
-- Needs the catalog tables (products, prices).
SELECT p.name AS product, pr.nickname, pr.currency, pr.unit_amount / 100 AS unit_amount,
       JSON_UNQUOTE(JSON_EXTRACT(pr.recurring, '$.interval')) AS billing_interval
FROM prices AS pr
JOIN products AS p ON p.id = pr.product
WHERE pr.active = TRUE
ORDER BY product, pr.currency;
