// Package sqltable serves the Stripe resources that package tables
// declares as go-mysql-server tables, over one Stripe account each.
//
// Data flows one way: a SQL filter reaches a Table as index ranges
// (index.go), which become a plan of Stripe request streams (plan.go);
// each stream is read through the row cache (rowsource.go: held created
// intervals served from memory, gaps read from Stripe) or as pages
// (pager.go; long lists as parallel created slices, slices.go), decoded
// by package decode, checked against its ranges and ordered (order.go) on
// the way to the engine (scan.go).
//
// Around that: the Stripe transport (client.go: retries, the throttle in
// throttle.go, request records in observe.go, the page cache and the
// per-query memo in querymemo.go), keeping the caches fresh (events and
// invalidation: cache_events.go, cache_invalidate.go), and writes
// (INSERT/UPDATE/DELETE as Stripe calls: table_write.go, write_*.go).
package sqltable
