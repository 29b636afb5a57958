-- The pushdown workload: queries of the kinds analysts and BI tools send.
-- Each is preceded by the requests an ideal plan makes (`-- ideal:`, one
-- per request stream; `limit=N` marks a LIMIT the stream can stop at).
-- `make pushdown-report` runs every query on the demo account, counts the
-- requests stripesql made and compares them with the ideal plan's pages.
-- Placeholders in braces are filled from the demo account's data. A
-- join reading the inner table once per outer row is written
-- `-- ideal: INNER for each OUTER`, INNER's {id} being each object OUTER
-- lists.

-- name: newest charges
-- ideal: GET /v1/charges limit=10
SELECT id, amount, currency, created FROM charges ORDER BY created DESC LIMIT 10;

-- name: newest 250 charges
-- ideal: GET /v1/charges limit=250
SELECT id, amount FROM charges ORDER BY created DESC LIMIT 250;

-- name: any 5 charges
-- ideal: GET /v1/charges limit=5
SELECT id FROM charges LIMIT 5;

-- name: charge by id
-- ideal: GET /v1/charges/{charge}
SELECT * FROM charges WHERE id = '{charge}';

-- name: two charges by id
-- ideal: GET /v1/charges/{charge}
-- ideal: GET /v1/charges/{charge2}
SELECT id, amount FROM charges WHERE id IN ('{charge}', '{charge2}');

-- name: unknown charge
-- ideal: GET /v1/charges/ch_doesnotexist
SELECT id FROM charges WHERE id = 'ch_doesnotexist';

-- name: charges of June 2024
-- ideal: GET /v1/charges created[gte]=1717200000 created[lt]=1719792000
SELECT COUNT(*), SUM(amount) FROM charges WHERE created >= '2024-06-01' AND created < '2024-07-01';

-- name: charges BETWEEN dates
-- ideal: GET /v1/charges created[gte]=1704067200 created[lte]=1706745599
SELECT id FROM charges WHERE created BETWEEN '2024-01-01' AND '2024-01-31 23:59:59';

-- name: charges since a Unix time
-- ideal: GET /v1/charges created[gte]=1733011200
SELECT id FROM charges WHERE created >= 1733011200;

-- name: Grafana time filter
-- ideal: GET /v1/charges created[gte]=1727740800 created[lte]=1730419199
SELECT UNIX_TIMESTAMP(created) DIV 86400 * 86400 AS time, SUM(amount) FROM charges
WHERE created BETWEEN FROM_UNIXTIME(1727740800) AND FROM_UNIXTIME(1730419199) GROUP BY 1 ORDER BY 1;

-- name: last 30 days (relative)
-- ideal: GET /v1/charges created[gte]={30_days_ago}
SELECT COUNT(*) FROM charges WHERE created >= NOW() - INTERVAL 30 DAY;

-- name: two disjoint months
-- ideal: GET /v1/charges created[gte]=1672531200 created[lt]=1675209600
-- ideal: GET /v1/charges created[gte]=1733011200 created[lt]=1735689600
SELECT id FROM charges WHERE (created >= '2023-01-01' AND created < '2023-02-01') OR (created >= '2024-12-01' AND created < '2025-01-01');

-- name: a customer's charges
-- ideal: GET /v1/charges customer={customer}
SELECT id, amount, status FROM charges WHERE customer = '{customer}';

-- name: a customer's charges in 2024
-- ideal: GET /v1/charges created[gte]=1704067200 customer={customer}
SELECT id, amount FROM charges WHERE customer = '{customer}' AND created >= '2024-01-01';

-- name: a customer's large charges
-- ideal: GET /v1/charges customer={customer}
SELECT id FROM charges WHERE customer = '{customer}' AND amount > 5000;

-- name: customer with charges (join)
-- ideal: GET /v1/customers/{customer}
-- ideal: GET /v1/charges customer={customer}
SELECT c.email, ch.id, ch.amount FROM customers c JOIN charges ch ON ch.customer = c.id WHERE c.id = '{customer}';

-- name: refunds of a charge
-- ideal: GET /v1/refunds charge={refunded_charge}
SELECT id, amount FROM refunds WHERE charge = '{refunded_charge}';

-- name: a customer's open invoices
-- ideal: GET /v1/invoices customer={invoiced_customer}
SELECT id, amount_due FROM invoices WHERE customer = '{invoiced_customer}' AND status = 'open';

-- name: paid invoices of 2024
-- ideal: GET /v1/invoices created[gte]=1704067200 status=paid
SELECT COUNT(*), SUM(amount_paid) FROM invoices WHERE status = 'paid' AND created >= '2024-01-01';

-- name: invoices due in December 2024
-- ideal: GET /v1/invoices due_date[gte]=1733011200 due_date[lt]=1735689600
SELECT id, due_date FROM invoices WHERE due_date >= '2024-12-01' AND due_date < '2025-01-01';

-- name: lines of one invoice
-- ideal: GET /v1/invoices/{invoice}/lines
SELECT id, amount, description FROM invoice_line_items WHERE invoice = '{invoice}';

-- name: canceled subscriptions
-- ideal: GET /v1/subscriptions status=canceled
SELECT id, customer, canceled_at FROM subscriptions WHERE status = 'canceled';

-- name: a customer's subscriptions
-- ideal: GET /v1/subscriptions customer={subscribed_customer} status=all
SELECT id, status FROM subscriptions WHERE customer = '{subscribed_customer}';

-- name: items of one subscription
-- ideal: GET /v1/subscription_items subscription={subscription}
SELECT id, quantity FROM subscription_items WHERE subscription = '{subscription}';

-- name: balance transactions of a charge
-- ideal: GET /v1/balance_transactions source={charge}
SELECT id, amount, fee, net FROM balance_transactions WHERE source = '{charge}';

-- name: fees in euros
-- ideal: GET /v1/balance_transactions currency=eur
SELECT SUM(fee) FROM balance_transactions WHERE currency = 'eur';

-- name: a payout's transactions by type (filter-only column)
-- ideal: GET /v1/balance_transactions payout={payout}
SELECT type, COUNT(*), SUM(net) FROM balance_transactions WHERE payout = '{payout}' GROUP BY type;

-- name: fees per payout (join: one list per payout)
-- ideal: GET /v1/payouts arrival_date[gte]=1733011200
-- ideal: GET /v1/balance_transactions payout={id} for each GET /v1/payouts arrival_date[gte]=1733011200
SELECT p.id, p.amount, SUM(b.fee) FROM payouts p JOIN balance_transactions b ON b.payout = p.id
WHERE p.arrival_date >= '2024-12-01' GROUP BY p.id, p.amount;

-- name: payouts' transactions (IN subquery)
-- ideal: GET /v1/payouts arrival_date[gte]=1733011200
-- ideal: GET /v1/balance_transactions payout={id} for each GET /v1/payouts arrival_date[gte]=1733011200
SELECT id, type, net FROM balance_transactions WHERE payout IN (SELECT id FROM payouts WHERE arrival_date >= '2024-12-01');

-- name: subscriptions holding a price (filter-only column)
-- ideal: GET /v1/subscriptions price={subscribed_price} status=all
SELECT id, status FROM subscriptions WHERE price = '{subscribed_price}';

-- name: pending invoice items (filter-only column)
-- ideal: GET /v1/invoiceitems pending=true
SELECT id, customer, amount FROM invoice_items WHERE pending = TRUE;

-- name: active prices of a product
-- ideal: GET /v1/prices product={product}
SELECT id, unit_amount, currency FROM prices WHERE product = '{product}' AND active = TRUE;

-- name: refunded charges by month (no filter Stripe can apply)
-- ideal: GET /v1/charges
SELECT DATE_FORMAT(created, '%Y-%m') AS month, COUNT(*) FROM charges WHERE refunded = TRUE GROUP BY month ORDER BY month;

-- name: the account
-- ideal: GET /v1/account
SELECT id, country, default_currency FROM account;

-- Search (README: Search). The search index may lag behind writes, so a
-- searched query reads the index up to the cutoff ({search_cut}: the fake's
-- now − --search-lag 5m), the list after it (a page, even when empty: an
-- object created within the lag is found only there) and the events since
-- it (a page: an older object changed within the lag). Three requests is
-- the fewest that give an exact answer; the list alone is every page of
-- the table (the demo's 1,000 charges: 10).

-- name: charges by metadata key (Search)
-- ideal: GET /v1/charges/search query=metadata['order_id']:'{order_id}'+AND+created<{search_cut}
-- ideal: GET /v1/events created[gte]={search_cut} {charges_events}
-- ideal: GET /v1/charges created[gte]={search_cut}
SELECT id, amount, created FROM charges WHERE metadata->>'$.order_id' = '{order_id}';

-- name: customers by email substring (Search)
-- ideal: GET /v1/customers/search query=email~'{email_word}'+AND+created<{search_cut}
-- ideal: GET /v1/events created[gte]={search_cut} {customers_events}
-- ideal: GET /v1/customers created[gte]={search_cut}
SELECT id, email FROM customers WHERE email LIKE '%{email_word}%';

-- name: charges in an amount range since a date (Search)
-- ideal: GET /v1/charges/search query=amount<=5000+AND+amount>=1000+AND+created>=1730419200+AND+created<{search_cut}
-- ideal: GET /v1/events created[gte]={search_cut} {charges_events}
-- ideal: GET /v1/charges created[gte]={search_cut}
SELECT id, amount FROM charges WHERE amount BETWEEN 1000 AND 5000 AND created >= '2024-11-01';

-- name: paid invoices above a total (Search with a list filter)
-- ideal: GET /v1/invoices/search query=status:'paid'+AND+total>10000+AND+created<{search_cut}
-- ideal: GET /v1/events created[gte]={search_cut} {invoices_events}
-- ideal: GET /v1/invoices created[gte]={search_cut} status=paid
SELECT id, total FROM invoices WHERE status = 'paid' AND total > 10000;

-- name: a customer's charges by metadata key (a customer's list, not Search)
-- A list by another object's id is a page or two: cheaper than Search's
-- three requests, and exact without events.
-- ideal: GET /v1/charges customer={customer} created[gte]=1704067200
SELECT id FROM charges WHERE customer = '{customer}' AND created >= '2024-01-01' AND metadata->>'$.order_id' = '{order_id}';

-- name: a financial account's treasury transactions (a required parameter pinned)
-- ideal: GET /v1/treasury/transactions financial_account={financial_account} order_by=created
SELECT id, amount, status FROM treasury_transactions WHERE financial_account = '{financial_account}';

-- name: every treasury transaction (a walk of the financial accounts)
-- ideal: GET /v1/treasury/financial_accounts
-- ideal: GET /v1/treasury/transactions financial_account={id} order_by=created for each GET /v1/treasury/financial_accounts
SELECT COUNT(*), SUM(amount) FROM treasury_transactions;

-- name: a customer's tax ids (a child list by its parent)
-- ideal: GET /v1/customers/{customer}/tax_ids
SELECT id, type, value FROM customer_tax_ids WHERE customer = '{customer}';

-- name: active issuing cards (a namespaced list's filter)
-- ideal: GET /v1/issuing/cards status=active
SELECT id, last4 FROM issuing_cards WHERE status = 'active';

-- name: report types (a list Stripe does not page)
-- ideal: GET /v1/reporting/report_types
SELECT id FROM reporting_report_types;

-- name: treasury transactions with their financial account (a join on the required parameter)
-- ideal: GET /v1/treasury/financial_accounts
-- ideal: GET /v1/treasury/transactions financial_account={id} order_by=created for each GET /v1/treasury/financial_accounts
SELECT f.id, t.id, t.amount FROM treasury_financial_accounts f JOIN treasury_transactions t ON t.financial_account = f.id;

-- name: a customer's invoices with their lines (a join on a child list's parent)
-- ideal: GET /v1/invoices customer={invoiced_customer}
-- ideal: GET /v1/invoices/{id}/lines for each GET /v1/invoices customer={invoiced_customer}
SELECT i.id, l.id, l.amount FROM invoices i JOIN invoice_line_items l ON l.invoice = i.id WHERE i.customer = '{invoiced_customer}';
