package engine

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/dolthub/go-mysql-server/server"
	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/sqltypes"

	"github.com/stripesql/stripesql/tables/sqltable"
)

// observer gathers what the server reports about itself: the recent
// Stripe requests (stripe_meta.requests), the Prometheus metrics and the
// log line of each statement.
type observer struct {
	log      *slog.Logger
	accounts []Account
	ring     requestRing
	metrics  *metrics
	seq      atomic.Uint64 // statement ids
}

func newObserver(accounts []Account, log *slog.Logger) *observer {
	o := &observer{log: log, accounts: accounts}
	o.metrics = newMetrics(o)
	for _, a := range accounts {
		db := a.Database
		a.Client.OnRequest(func(r sqltable.RequestRecord) {
			o.ring.add(requestRow{database: db, RequestRecord: r})
			o.metrics.request(db, r)
		})
	}
	return o
}

// chainWrappers applies handler wrappers in order (the last is outermost).
func chainWrappers(ws ...server.HandlerWrapper) server.HandlerWrapper {
	return func(h mysql.Handler) (mysql.Handler, error) {
		for _, w := range ws {
			var err error
			if h, err = w(h); err != nil {
				return nil, err
			}
		}
		return h, nil
	}
}

// wrapHandler is the server.HandlerWrapper installing queryHandler.
func (o *observer) wrapHandler(h mysql.Handler) (mysql.Handler, error) {
	return queryHandler{Handler: h, o: o}, nil
}

// queryHandler times every statement, gives it a sqltable.Query (through
// its context) to count its Stripe requests in, and logs it; it also
// counts open connections.
type queryHandler struct {
	mysql.Handler
	o *observer
}

func (h queryHandler) NewConnection(c *mysql.Conn) {
	h.o.metrics.connections.Inc()
	h.Handler.NewConnection(c)
}

func (h queryHandler) ConnectionClosed(c *mysql.Conn) {
	h.o.metrics.connections.Dec()
	h.Handler.ConnectionClosed(c)
}

func (h queryHandler) ComQuery(ctx context.Context, c *mysql.Conn, query string, callback mysql.ResultSpoolFn) error {
	ctx, st := h.o.begin(ctx, c)
	err := h.Handler.ComQuery(ctx, c, query, st.spool(callback))
	h.o.end(st, query, err)
	return err
}

// ComMultiQuery runs the first statement of query and returns the rest.
func (h queryHandler) ComMultiQuery(ctx context.Context, c *mysql.Conn, query string, callback mysql.ResultSpoolFn) (string, error) {
	ctx, st := h.o.begin(ctx, c)
	rest, err := h.Handler.ComMultiQuery(ctx, c, query, st.spool(callback))
	h.o.end(st, strings.TrimSuffix(query, rest), err)
	return rest, err
}

func (h queryHandler) ComStmtExecute(ctx context.Context, c *mysql.Conn, prepare *mysql.PrepareData, callback func(*sqltypes.Result) error) error {
	ctx, st := h.o.begin(ctx, c)
	err := h.Handler.ComStmtExecute(ctx, c, prepare, func(res *sqltypes.Result) error {
		st.countRows(res)
		return callback(res)
	})
	h.o.end(st, prepare.PrepareStmt, err)
	return err
}

// statement is one statement being run.
type statement struct {
	q     *sqltable.Query
	start time.Time
	rows  atomic.Int64
}

func (o *observer) begin(ctx context.Context, c *mysql.Conn) (context.Context, *statement) {
	st := &statement{q: &sqltable.Query{ID: o.seq.Add(1), ConnID: c.ConnectionID}, start: time.Now()}
	return sqltable.WithQuery(ctx, st.q), st
}

func (st *statement) countRows(res *sqltypes.Result) {
	if res != nil {
		st.rows.Add(int64(len(res.Rows)))
	}
}

func (st *statement) spool(callback mysql.ResultSpoolFn) mysql.ResultSpoolFn {
	return func(res *sqltypes.Result, more bool) error {
		st.countRows(res)
		return callback(res, more)
	}
}

// maxLoggedQuery bounds the statement text in a log line.
const maxLoggedQuery = 1000

// end logs the statement's line and records its duration.
func (o *observer) end(st *statement, query string, err error) {
	d := time.Since(st.start)
	o.metrics.statement(d, err)
	if !o.log.Enabled(context.Background(), slog.LevelInfo) {
		return // the record below costs a short query's percents
	}
	n := st.q.Counts()
	attrs := []any{"query_id", st.q.ID, "conn", st.q.ConnID, "query", loggedQuery(query),
		"duration_ms", float64(d.Microseconds()) / 1000, "rows", st.rows.Load(),
		"stripe_requests", n.Requests, "cache_hits", n.Hits, "cache_shared", n.Shared}
	if n.RateLimited > 0 {
		attrs = append(attrs, "rate_limited", n.RateLimited)
	}
	if err != nil {
		attrs = append(attrs, "error", sqltable.Redact(err.Error()))
	}
	o.log.Info("query", attrs...)
}

// loggedQuery is the statement on one line, shortened, without keys.
func loggedQuery(q string) string {
	q = strings.Join(strings.Fields(q), " ")
	if len(q) > maxLoggedQuery {
		q = q[:maxLoggedQuery] + "…"
	}
	return sqltable.Redact(q)
}
