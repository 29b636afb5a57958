package sqltable

import (
	"encoding/json"
	"strings"

	"github.com/stripesql/stripesql/tables"
	"github.com/stripesql/stripesql/tables/decode"
)

// Cache keys are "<account> GET <path>?<canonical query>" (cacheKey); the
// functions here drop the entries of one table, one object or the whole
// account.

// cachePath returns the path of one of this account's cache keys.
func (c *Client) cachePath(key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, c.account+" GET ")
	if !ok {
		return "", false
	}
	path, _, _ := strings.Cut(rest, "?")
	return path, true
}

// removeKeys drops this account's entries whose key match accepts.
func (c *Client) removeKeys(match func(key, path string) bool) int {
	if c.opts.Cache == nil {
		return 0
	}
	return c.opts.Cache.RemoveMatching(func(key string) bool {
		path, ok := c.cachePath(key)
		return ok && match(key, path)
	})
}

// FlushAll drops everything cached for this account, here and in what
// the replicas share, and returns the number of entries (pages, objects
// and row segments) dropped here.
func (c *Client) FlushAll() int {
	c.dropShared(func(string, string) bool { return true }, func(string) bool { return true })
	return c.flushLocal()
}

// flushLocal drops everything this process caches for the account.
func (c *Client) flushLocal() int {
	if c.opts.Cache == nil {
		return 0
	}
	return c.opts.Cache.RemovePrefix(c.account+" ") + c.dropRows(func(string) bool { return true })
}

// dropRows drops the row cache's segments of the lists whose path match
// accepts, and returns how many.
func (c *Client) dropRows(match func(path string) bool) int {
	if c.rows == nil {
		return 0
	}
	return c.rows.RemoveStreams(func(stream string) bool {
		path, ok := c.streamPath(stream)
		return ok && match(path)
	})
}

// streamPath returns the list path of one of this account's row streams.
func (c *Client) streamPath(stream string) (string, bool) {
	rest, ok := strings.CutPrefix(stream, c.account+" ROWS ")
	if !ok {
		return "", false
	}
	path, _, _ := strings.Cut(rest, "?")
	return path, true
}

// FlushTable drops the cached pages and objects a table is read from
// (for a derived table, those of the tables it is derived from) and
// returns the number of entries dropped.
func (c *Client) FlushTable(s *tables.Spec) int {
	var templates []string
	for _, src := range sourceSpecs(s) {
		templates = append(templates, src.Path, src.Path+"/{id}")
	}
	pages := func(_, path string) bool { return matchesAny(templates, path) }
	rows := func(path string) bool { return matchesAny(templates, path) }
	c.dropShared(pages, rows)
	return c.removeKeys(pages) + c.dropRows(rows)
}

// sourceSpecs are the specs whose endpoints hold s's rows.
func sourceSpecs(s *tables.Spec) []*tables.Spec {
	if s.Derive == nil {
		return []*tables.Spec{s}
	}
	var out []*tables.Spec
	for _, d := range s.Derive {
		if src, ok := tables.Lookup(d.Table); ok {
			out = append(out, sourceSpecs(src)...)
		}
	}
	return out
}

// alsoChanges lists, per object type, the objects whose lists change
// when one of its objects does, because Stripe creates or updates them
// at the same time (a refund of a charge creates a refund and a balance
// transaction) without an event of their own in API version 2023-10-16.
var alsoChanges = map[string][]string{
	"charge":       {"refund", "balance_transaction"},
	"refund":       {"charge", "balance_transaction"},
	"invoice":      {"line_item", "charge"},
	"subscription": {"subscription_item", "invoice"},
}

// InvalidateObject drops what may hold an outdated copy of the object id
// of type object ("charge"): every list page of its table and of the
// tables alsoChanges names, and every entry whose key names the id (its
// retrieve, its child lists, lists filtered by it). It returns the
// number of entries dropped.
func (c *Client) InvalidateObject(object, id string) int {
	rows := func(path string) bool { return matchesAny(c.listPaths(object), path) }
	c.dropShared(c.pagesNaming(object, id), rows)
	return c.invalidatePages(object, id) + c.dropRows(rows)
}

// applyWrite brings the cache up to date with an object stripesql wrote
// (obj is Stripe's answer): like an event of it (applyEvents), and the
// copies other replicas share are dropped.
func (c *Client) applyWrite(object, id, account string, obj json.RawMessage, deleted bool) {
	rows := func(path string) bool { return matchesAny(c.listPaths(object), path) }
	c.dropShared(c.pagesNaming(object, id), rows)
	if !json.Valid(obj) || decode.ObjectID(obj) != id {
		c.invalidatePages(object, id)
		c.dropRows(rows)
		return
	}
	e := event{Type: object + ".updated", Account: account}
	if deleted {
		e.Type = object + ".deleted"
	}
	e.Data.Object = obj
	c.applyEvents(account, []event{e}, nil, discardLog)
}

// listPaths are the list paths of the tables of an object type and of
// those alsoChanges names for it.
func (c *Client) listPaths(object string) []string {
	var templates []string
	for _, k := range append([]string{object}, alsoChanges[object]...) {
		for _, s := range tables.Listing(k) {
			if s.Path != "" {
				templates = append(templates, s.Path)
			}
		}
	}
	return templates
}

// invalidatePages drops the cached pages and objects that may hold an
// outdated copy of an object: every page of its lists and of the lists
// alsoChanges names, and every entry whose key names the id.
func (c *Client) invalidatePages(object, id string) int {
	return c.removeKeys(c.pagesNaming(object, id))
}

// pagesNaming matches the pages that may hold a copy of an object: those
// of its lists and of the lists alsoChanges names, and those whose key
// names the id.
func (c *Client) pagesNaming(object, id string) func(key, path string) bool {
	templates := c.listPaths(object)
	return func(key, path string) bool {
		return id != "" && strings.Contains(key, id) || matchesAny(templates, path)
	}
}

func matchesAny(templates []string, path string) bool {
	for _, t := range templates {
		if pathMatches(t, path) {
			return true
		}
	}
	return false
}

// pathMatches reports whether path fits template, where a {name} segment
// stands for any one segment: "/v1/invoices/{invoice}/lines" fits
// "/v1/invoices/in_1/lines".
func pathMatches(template, path string) bool {
	for {
		t, tRest, tMore := strings.Cut(template, "/")
		p, pRest, pMore := strings.Cut(path, "/")
		if tMore != pMore {
			return false
		}
		if t != p && !(strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") && p != "") {
			return false
		}
		if !tMore {
			return true
		}
		template, path = tRest, pRest
	}
}
