-- Dashboard queries for stripesql.
--
-- Each query starts with a "-- name:" line; internal/compat runs every one
-- against the demo account (`make demo`) and checks it returns rows.
--
-- Amounts are in the currency's smallest unit (cents); each has a
-- `<name>_major` twin in the major unit (right for JPY and KWD too), so
-- sums by currency read as money.
-- Date ranges are written out so the queries run as they are on the demo
-- account, whose data covers 2023-2024. In Grafana replace them with
-- $__timeFilter(created); in Metabase or Superset with a filter widget.
-- Conditions on created, customer and status are pushed down to Stripe
-- (EXPLAIN shows the requests), so keep them in the WHERE clause.

-- name: revenue_by_day_and_currency
-- Successful payments per day and currency.
SELECT DATE(created) AS day, currency, SUM(amount_major) AS revenue, COUNT(*) AS payments
FROM charges
WHERE created >= '2024-10-01' AND created < '2025-01-01' AND status = 'succeeded'
GROUP BY day, currency
ORDER BY day, currency;

-- name: revenue_by_month
SELECT DATE_FORMAT(created, '%Y-%m') AS month, currency, SUM(amount_major - amount_refunded_major) AS net_revenue
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
SELECT COALESCE(reason, 'unspecified') AS reason, status, currency, COUNT(*) AS refunds, SUM(amount_major) AS amount
FROM refunds
WHERE created >= '2024-01-01'
GROUP BY reason, status, currency
ORDER BY refunds DESC;

-- name: top_customers
-- Aggregate first, then look up the ten customers by id (ten retrieves)
-- rather than joining every charge to the customers table.
SELECT top.customer, c.email, c.name, top.currency, top.paid, top.payments
FROM (
    SELECT customer, currency, SUM(amount_major) AS paid, COUNT(*) AS payments
    FROM charges
    WHERE created >= '2024-01-01' AND status = 'succeeded' AND customer IS NOT NULL
    GROUP BY customer, currency
    ORDER BY paid DESC
    LIMIT 10
) AS top
JOIN customers AS c ON c.id = top.customer
ORDER BY top.paid DESC;

-- name: failed_charges
SELECT created, id, customer, amount_major AS amount, currency, failure_code, failure_message
FROM charges
WHERE created >= '2024-01-01' AND status = 'failed'
ORDER BY created DESC
LIMIT 50;

-- name: failure_codes
SELECT failure_code, COUNT(*) AS failures, SUM(amount_major) AS amount
FROM charges
WHERE created >= '2024-01-01' AND status = 'failed'
GROUP BY failure_code
ORDER BY failures DESC;

-- name: open_invoices
SELECT id, customer, amount_remaining_major AS amount_remaining, currency, due_date, hosted_invoice_url
FROM invoices
WHERE status = 'open'
ORDER BY due_date
LIMIT 50;

-- name: balance_by_type
-- Gross, fees and net of balance movements (charges, refunds, payouts, ...).
SELECT type, currency, SUM(amount_major) AS gross, SUM(fee_major) AS fees, SUM(net_major) AS net
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
SELECT p.name AS product, pr.nickname, pr.currency, pr.unit_amount_major AS unit_amount,
       JSON_UNQUOTE(JSON_EXTRACT(pr.recurring, '$.interval')) AS billing_interval
FROM prices AS pr
JOIN products AS p ON p.id = pr.product
WHERE pr.active = TRUE
ORDER BY product, pr.currency;

-- name: disputes_by_reason
-- Disputed money and how disputes ended, by reason.
SELECT reason, status, COUNT(*) AS disputes, currency, SUM(amount_major) AS amount
FROM disputes
GROUP BY reason, status, currency
ORDER BY disputes DESC;

-- name: invoice_aging
-- Open invoices by how long past due they are (as of the demo data's end;
-- use NOW() on a live account).
SELECT CASE
         WHEN due_date IS NULL THEN 'no due date'
         WHEN due_date >= '2024-12-31' THEN 'not yet due'
         WHEN DATEDIFF('2024-12-31', due_date) <= 30 THEN '1-30 days'
         WHEN DATEDIFF('2024-12-31', due_date) <= 60 THEN '31-60 days'
         WHEN DATEDIFF('2024-12-31', due_date) <= 90 THEN '61-90 days'
         ELSE 'over 90 days'
       END AS bucket,
       currency, COUNT(*) AS invoices, SUM(amount_remaining_major) AS outstanding
FROM invoices
WHERE status = 'open'
GROUP BY bucket, currency
ORDER BY bucket, currency;
