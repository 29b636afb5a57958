-- Dashboard queries for stripesql.
--
-- Each query starts with a "-- name:" line; internal/compat runs every one
-- against the demo account (`make demo`) and checks it returns rows (or
-- none, where a "-- demo: no rows" line says the demo account has none),
-- and the same values as a real MariaDB loaded with the same objects.
--
-- Amounts are in the currency's smallest unit (cents); each has a
-- `<name>_major` twin in the major unit (right for JPY and KWD too), so
-- sums by currency read as money.
-- Date ranges are relative to NOW() and CURDATE() ("the last 90 days",
-- "this month and last"): the demo account's two years of data end when
-- it starts, so they hold rows there as on a live account. In Grafana
-- replace them with $__timeFilter(created); in Metabase or Superset with a
-- filter widget.
-- Conditions on created, customer and status are pushed down to Stripe
-- (EXPLAIN shows the requests), so keep them in the WHERE clause.

-- name: revenue_by_day_and_currency
-- Successful payments per day and currency, the last 90 days.
SELECT DATE(created) AS day, currency, SUM(amount_major) AS revenue, COUNT(*) AS payments
FROM charges
WHERE created >= CURDATE() - INTERVAL 90 DAY AND status = 'succeeded'
GROUP BY day, currency
ORDER BY day, currency;

-- name: revenue_this_month
-- This month so far beside the whole of last month, by currency.
SELECT DATE_FORMAT(created, '%Y-%m') AS month, currency, SUM(amount_major) AS revenue, COUNT(*) AS payments
FROM charges
WHERE created >= DATE_FORMAT(CURDATE() - INTERVAL 1 MONTH, '%Y-%m-01') AND status = 'succeeded'
GROUP BY month, currency
ORDER BY month, currency;

-- name: revenue_by_month
-- The last twelve months, this one so far included.
SELECT DATE_FORMAT(created, '%Y-%m') AS month, currency, SUM(amount_major - amount_refunded_major) AS net_revenue
FROM charges
WHERE created >= DATE_FORMAT(CURDATE() - INTERVAL 11 MONTH, '%Y-%m-01') AND status = 'succeeded'
GROUP BY month, currency
ORDER BY month, currency;

-- name: mrr_by_currency
-- MRR-ish: the monthly value of active subscriptions' items (list prices
-- times quantity; discounts and taxes left out), yearly prices spread over
-- twelve months. The price's unit_amount_major is in the currency's major
-- unit (yen are not cents): the items' unit_amount is in minor units.
SELECT s.currency,
       ROUND(SUM(p.unit_amount_major * item.quantity / item.interval_count *
           CASE item.billing_interval WHEN 'day' THEN 365 WHEN 'week' THEN 52 WHEN 'month' THEN 12 ELSE 1 END
       ) / 12, 2) AS mrr,
       COUNT(DISTINCT s.id) AS subscriptions
FROM subscriptions AS s
CROSS JOIN JSON_TABLE(s.items, '$.data[*]' COLUMNS (
         price VARCHAR(255) PATH '$.price.id',
         quantity BIGINT PATH '$.quantity',
         billing_interval VARCHAR(16) PATH '$.price.recurring.interval',
         interval_count BIGINT PATH '$.price.recurring.interval_count')) AS item
JOIN prices AS p ON p.id = item.price
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
-- Share of captured money refunded, by the month of the payment, the
-- last twelve months.
SELECT DATE_FORMAT(created, '%Y-%m') AS month,
       ROUND(SUM(amount_refunded) / SUM(amount), 4) AS refund_rate,
       SUM(refunded) AS fully_refunded_payments
FROM charges
WHERE created >= DATE_FORMAT(CURDATE() - INTERVAL 11 MONTH, '%Y-%m-01') AND status = 'succeeded'
GROUP BY month
ORDER BY month;

-- name: refunds_by_reason
SELECT COALESCE(reason, 'unspecified') AS reason, status, currency, COUNT(*) AS refunds, SUM(amount_major) AS amount
FROM refunds
WHERE created >= CURDATE() - INTERVAL 1 YEAR
GROUP BY reason, status, currency
ORDER BY refunds DESC;

-- name: top_customers
-- The last twelve months' best customers, five per currency (amounts in
-- different currencies do not compare: 10,000 JPY is less than 100 USD).
-- Aggregate and rank first, then look up only the ranked customers by id
-- (five retrieves per currency) rather than joining every charge to the
-- customers table.
SELECT top.customer, c.email, c.name, top.currency, top.paid, top.payments
FROM (
    SELECT customer, currency, paid, payments,
           ROW_NUMBER() OVER (PARTITION BY currency ORDER BY paid DESC, customer) AS rank_in_currency
    FROM (
        SELECT customer, currency, SUM(amount_major) AS paid, COUNT(*) AS payments
        FROM charges
        WHERE created >= CURDATE() - INTERVAL 1 YEAR AND status = 'succeeded' AND customer IS NOT NULL
        GROUP BY customer, currency
    ) AS per_customer
) AS top
JOIN customers AS c ON c.id = top.customer
WHERE top.rank_in_currency <= 5
ORDER BY top.currency, top.paid DESC;

-- name: failed_charges
-- The latest failed payments of the last 90 days.
SELECT created, id, customer, amount_major AS amount, currency, failure_code, failure_message
FROM charges
WHERE created >= CURDATE() - INTERVAL 90 DAY AND status = 'failed'
ORDER BY created DESC
LIMIT 50;

-- name: failure_codes
SELECT failure_code, COUNT(*) AS failures, SUM(amount_major) AS amount
FROM charges
WHERE created >= CURDATE() - INTERVAL 1 YEAR AND status = 'failed'
GROUP BY failure_code
ORDER BY failures DESC;

-- name: open_invoices
SELECT id, customer, amount_remaining_major AS amount_remaining, currency, due_date, hosted_invoice_url
FROM invoices
WHERE status = 'open'
ORDER BY due_date
LIMIT 50;

-- name: balance_by_type
-- Gross, fees and net of balance movements (charges, refunds, payouts,
-- ...) this month and last.
SELECT type, currency, SUM(amount_major) AS gross, SUM(fee_major) AS fees, SUM(net_major) AS net
FROM balance_transactions
WHERE created >= DATE_FORMAT(CURDATE() - INTERVAL 1 MONTH, '%Y-%m-01')
GROUP BY type, currency
ORDER BY type, currency;

-- Payout reconciliation. A balance transaction does not show the payout
-- that paid it out: `payout` is a filter-only column, the list parameter
-- of GET /v1/balance_transactions, filled in when the query pins it, with
-- payout = 'po_…' or by joining from payouts (one list per payout; EXPLAIN
-- shows it). A payout's own transaction (type payout) is in its list too.

-- name: payout_transactions_by_type
-- What a payout is made of: its transactions by type. Here the latest
-- payout; for another, WHERE b.payout = 'po_…' over balance_transactions.
SELECT p.id AS payout, p.arrival_date, b.type, b.currency, COUNT(*) AS transactions,
       SUM(b.amount_major) AS gross, SUM(b.fee_major) AS fees, SUM(b.net_major) AS net
FROM (SELECT id, arrival_date FROM payouts ORDER BY created DESC LIMIT 1) AS p
JOIN balance_transactions AS b ON b.payout = p.id
GROUP BY p.id, p.arrival_date, b.type, b.currency
ORDER BY net DESC;

-- name: fees_per_payout
-- Stripe's fees in each payout arriving since 90 days ago, beside the
-- amount paid out.
SELECT p.id AS payout, p.arrival_date, p.currency, p.amount_major AS paid_out,
       SUM(b.fee_major) AS fees, SUM(b.amount_major) AS gross, COUNT(*) AS transactions
FROM payouts AS p
JOIN balance_transactions AS b ON b.payout = p.id
WHERE p.arrival_date >= CURDATE() - INTERVAL 90 DAY AND b.type <> 'payout'
GROUP BY p.id, p.arrival_date, p.currency, p.amount_major
ORDER BY p.arrival_date DESC, p.currency;

-- name: unreconciled_payouts
-- demo: no rows (each of the demo account's payouts is the sum of its transactions)
-- Payouts whose transactions do not add up to the amount paid out (a
-- payout without any transaction included).
SELECT p.id AS payout, p.arrival_date, p.status, p.currency, p.amount_major AS paid_out,
       SUM(b.net_major) AS transactions_net, p.amount_major - COALESCE(SUM(b.net_major), 0) AS difference
FROM payouts AS p
LEFT JOIN balance_transactions AS b ON b.payout = p.id AND b.type <> 'payout'
WHERE p.arrival_date >= CURDATE() - INTERVAL 90 DAY
GROUP BY p.id, p.arrival_date, p.status, p.currency, p.amount_major
HAVING COALESCE(SUM(b.net_major), 0) <> p.amount_major
ORDER BY p.arrival_date DESC;

-- name: new_customers_by_month
-- The last twelve months, this one so far included.
SELECT DATE_FORMAT(created, '%Y-%m') AS month, COUNT(*) AS customers
FROM customers
WHERE created >= DATE_FORMAT(CURDATE() - INTERVAL 11 MONTH, '%Y-%m-01')
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
-- Open invoices by how long past due they are today.
SELECT CASE
         WHEN due_date IS NULL THEN 'no due date'
         WHEN due_date >= CURDATE() THEN 'not yet due'
         WHEN DATEDIFF(CURDATE(), due_date) <= 30 THEN '1-30 days'
         WHEN DATEDIFF(CURDATE(), due_date) <= 60 THEN '31-60 days'
         WHEN DATEDIFF(CURDATE(), due_date) <= 90 THEN '61-90 days'
         ELSE 'over 90 days'
       END AS bucket,
       currency, COUNT(*) AS invoices, SUM(amount_remaining_major) AS outstanding
FROM invoices
WHERE status = 'open'
GROUP BY bucket, currency
ORDER BY bucket, currency;
