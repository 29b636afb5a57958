// Package pushdown measures how close stripesql's Stripe requests come to
// the fewest that can answer each query of examples/workload.sql: its test
// runs the workload on the demo account and fails below a ratio of 1.00
// (`make pushdown-report` prints the table).
package pushdown
