package sqltable

import (
	"context"
	"strconv"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
)

// go-mysql-server runs the inner side of a nested-loop join once per outer
// row, so one query can ask Stripe the same thing many times. The query
// memo answers repeats within a query (identified by its process id) from
// the first response, whatever the page cache's settings: one query sees
// one consistent answer per request and costs one request per distinct
// request.
const (
	memoBytes = 64 << 20
	// memoTTL only needs to outlive a query's repeats; entries of finished
	// queries age out (and are evicted first, being least recently used).
	memoTTL = 10 * time.Minute
)

// get is Client.Get through the query memo.
func (t *Table) get(ctx context.Context, path string, params map[string][]string) ([]byte, error) {
	sctx, ok := ctx.(*sql.Context)
	if !ok || sctx.Pid() == 0 || bulk(params) {
		return t.client.Get(ctx, path, params)
	}
	key := strconv.FormatUint(sctx.Pid(), 10) + " " + path + "?" + canonicalQuery(params)
	memo := t.client.memo
	if body, ok := memo.Get(key); ok {
		return body, nil
	}
	// The query's own context goes to the client (not a detached one, as
	// cache.Do would give): it carries the session's settings.
	body, err := t.client.Get(ctx, path, params)
	if err == nil {
		memo.Set(key, body)
	}
	return body, err
}

// bulk reports a page of a walk through a whole list (or a created slice
// of it): the pages a join repeats are lookups, and keeping a whole scan
// would hold it in memory, which streaming avoids.
func bulk(params map[string][]string) bool {
	if _, list := params["limit"]; !list {
		return false // a retrieve
	}
	for k := range params {
		switch k {
		case "limit", "starting_after", "ending_before", "expand[]":
		default:
			if !isCreatedBound(k) && k != "created" {
				return false
			}
		}
	}
	return true
}
