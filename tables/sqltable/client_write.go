package sqltable

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// Writes go through the same throttle, retries, redaction and request
// records as reads, never through the cache. Every write carries an
// idempotency key: Stripe answers a repeated key with the first answer,
// so retrying a write whose answer was lost (a timeout, a 5xx, a dropped
// connection) never creates a second object.

// Post sends POST path with params as its form body and returns the
// object Stripe answers with.
func (c *Client) Post(ctx context.Context, path string, params url.Values, idempotencyKey string) ([]byte, error) {
	return c.write(ctx, http.MethodPost, path, params, idempotencyKey)
}

// Delete sends DELETE path and returns Stripe's answer (the deleted
// object's stub); params hold at most the connected account.
func (c *Client) Delete(ctx context.Context, path string, params url.Values, idempotencyKey string) ([]byte, error) {
	return c.write(ctx, http.MethodDelete, path, params, idempotencyKey)
}

// errNoIdempotencyKey guards against a write that could be repeated.
var errNoIdempotencyKey = errors.New("tables: a write needs an idempotency key")

func (c *Client) write(ctx context.Context, method, path string, params url.Values, idempotencyKey string) ([]byte, error) {
	if idempotencyKey == "" {
		return nil, errNoIdempotencyKey
	}
	return c.retrying(ctx, path, false, func(ctx context.Context) ([]byte, error) {
		return c.call(ctx, method, path, params, CacheOff, &idempotencyKey)
	})
}

// forgetID drops every cached entry whose key names id: its retrieve,
// its child lists, the lists filtered by it.
func (c *Client) forgetID(id string) int {
	if id == "" {
		return 0
	}
	return c.removeKeys(func(key, _ string) bool { return strings.Contains(key, id) })
}

// isDeletedStub recognises what Stripe answers for a deleted object it
// still knows (a customer): {"id": …, "deleted": true}, no row.
func isDeletedStub(body []byte) bool {
	var o struct {
		Deleted bool `json:"deleted"`
	}
	return bytes.Contains(body, []byte(`"deleted"`)) && json.Unmarshal(body, &o) == nil && o.Deleted
}
