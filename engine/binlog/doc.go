// Package binlog serves Stripe's changes as a MySQL 8.0 binary log: GTID
// transactions of row events (TABLE_MAP with full metadata, then
// WRITE/UPDATE/DELETE_ROWS v2 with full images) for CDC tools and
// replicas.
//
// Log (log.go, record.go) records each event an account's client applies
// (sqltable.ChangeLog) as one transaction, in the account's disk store,
// in the write that applies the event: numbers never reused, nothing lost
// or repeated across restarts. Source (stream.go) streams the logs of a
// server's accounts to a consumer from its executed GTID set. The row
// images are encoded from the tables' sql.Schema (columns.go, rows.go,
// json.go): a column's binlog type follows its SQL type. events.go frames
// the events. The engine answers the protocol commands, the variables and
// the SHOW statements (engine/binlog.go).
package binlog
