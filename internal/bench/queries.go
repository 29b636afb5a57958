package main

// compareQuery is one BI query of the MariaDB comparison, run as written on
// both servers. {customer} is replaced by the quoted id of the customer with
// the most charges, {customers3} by the three with the most (a
// comma-separated list of quoted ids).
//
// Answers are compared as sets of rows unless ordered is set (then in
// order): write a total order (a tie-breaking column) into queries with
// ORDER BY … LIMIT, or the two servers may rightly disagree.
type compareQuery struct {
	name    string
	query   string
	ordered bool
}

// compareQueries is the comparison's workload; add a line to extend it. Only
// the columns of compareSchema may be used (the MariaDB copy holds those).
var compareQueries = []compareQuery{
	{name: "count charges", query: "SELECT COUNT(*) FROM charges"},
	{name: "count customers", query: "SELECT COUNT(*) FROM customers"},
	{name: "revenue by currency", query: "SELECT currency, COUNT(*), SUM(amount), SUM(amount_major) FROM charges GROUP BY currency"},
	{name: "charges by status", query: "SELECT status, COUNT(*), SUM(amount) FROM charges GROUP BY status"},
	{name: "USD revenue by month", query: "SELECT DATE_FORMAT(created, '%Y-%m') AS month, COUNT(*), SUM(amount_major) FROM charges WHERE currency = 'usd' GROUP BY month"},
	{name: "refunds by month", query: "SELECT DATE_FORMAT(created, '%Y-%m') AS month, COUNT(*), SUM(amount_refunded) FROM charges WHERE refunded = 1 GROUP BY month"},
	{name: "top 10 customers by amount", query: "SELECT customer, COUNT(*), SUM(amount) AS total FROM charges WHERE customer IS NOT NULL GROUP BY customer ORDER BY total DESC, customer LIMIT 10", ordered: true},
	{name: "distinct paying customers", query: "SELECT COUNT(DISTINCT customer) FROM charges"},
	{name: "a quarter (created range)", query: "SELECT COUNT(*), SUM(amount), MIN(created), MAX(created) FROM charges WHERE created >= '2024-01-01' AND created < '2024-04-01'"},
	{name: "2024 by currency (created range)", query: "SELECT currency, COUNT(*), SUM(amount_major) FROM charges WHERE created >= '2024-01-01' AND created < '2025-01-01' GROUP BY currency"},
	{name: "a month of one currency", query: "SELECT COUNT(*), SUM(amount_major) FROM charges WHERE currency = 'eur' AND created >= '2024-06-01' AND created < '2024-07-01'"},
	{name: "top 10 charges by amount", query: "SELECT id, amount, currency, created FROM charges ORDER BY amount DESC, id LIMIT 10", ordered: true},
	{name: "latest 10 charges", query: "SELECT id, amount, created FROM charges ORDER BY created DESC, id LIMIT 10", ordered: true},
	{name: "failed USD charges (status, currency)", query: "SELECT COUNT(*), SUM(amount) FROM charges WHERE status = 'failed' AND currency = 'usd'"},
	{name: "three customers' charges (IN)", query: "SELECT id, customer, amount, created FROM charges WHERE customer IN ({customers3})"},
	{name: "one customer's charges", query: "SELECT COUNT(*), SUM(amount), MIN(created), MAX(created) FROM charges WHERE customer = {customer}"},
	{name: "revenue by customer country (join)", query: "SELECT JSON_UNQUOTE(JSON_EXTRACT(c.address, '$.country')) AS country, COUNT(*), SUM(ch.amount) FROM charges ch JOIN customers c ON c.id = ch.customer GROUP BY country"},
	{name: "charges by customer email (join)", query: "SELECT c.email, COUNT(*), SUM(ch.amount) FROM charges ch JOIN customers c ON c.id = ch.customer GROUP BY c.email"},
	{name: "one customer with charges (join)", query: "SELECT c.email, ch.id, ch.amount FROM customers c JOIN charges ch ON ch.customer = c.id WHERE c.id = {customer}"},
}

// compareSchema is the MariaDB copy: the columns the queries read, typed as
// stripesql reports them (DESCRIBE charges), but VARCHAR(255) for
// VARCHAR(5000) (InnoDB's key and row size limits) and a binary collation,
// as go-mysql-server compares strings. Indexes on created and customer.
var compareSchema = []string{
	`CREATE TABLE charges (
		id VARCHAR(255) NOT NULL PRIMARY KEY,
		amount BIGINT NOT NULL,
		amount_refunded BIGINT NOT NULL,
		amount_major DECIMAL(22,3) NOT NULL,
		currency VARCHAR(255) NOT NULL,
		status VARCHAR(255) NOT NULL,
		created DATETIME NOT NULL,
		customer VARCHAR(255) NULL,
		paid TINYINT(1) NOT NULL,
		refunded TINYINT(1) NOT NULL,
		captured TINYINT(1) NOT NULL,
		KEY (created),
		KEY (customer)
	) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
	`CREATE TABLE customers (
		id VARCHAR(255) NOT NULL PRIMARY KEY,
		email VARCHAR(255) NULL,
		name VARCHAR(255) NULL,
		created DATETIME NOT NULL,
		currency VARCHAR(255) NULL,
		address JSON NULL,
		tax_exempt VARCHAR(255) NULL,
		delinquent TINYINT(1) NULL,
		balance BIGINT NULL,
		KEY (created),
		KEY (email)
	) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
}
