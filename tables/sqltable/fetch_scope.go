package sqltable

import (
	"context"
	"sync"
	"time"

	"github.com/stripesql/stripesql/cache"
)

// FetchScope collects the cache entries that one statement's own requests
// stored, so that the statement, if it fails, can drop them: a scan that
// failed part-way must leave nothing a later query would use (its pages
// may continue from an object deleted since, or be all a re-run gets of a
// list that has changed).
type FetchScope struct {
	mu      sync.Mutex
	entries map[*cache.Cache][]string
	// shared are the pages it shared with other replicas (share.go).
	shared map[cache.Shared][]string
}

type fetchScopeKey struct{}

// WithFetchScope returns ctx whose requests record their cache entries in s.
func WithFetchScope(ctx context.Context, s *FetchScope) context.Context {
	return context.WithValue(ctx, fetchScopeKey{}, s)
}

// stored notes that a request made under ctx stored key in c.
func stored(ctx context.Context, c *cache.Cache, key string) {
	s, _ := ctx.Value(fetchScopeKey{}).(*FetchScope)
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.entries == nil {
		s.entries = map[*cache.Cache][]string{}
	}
	s.entries[c] = append(s.entries[c], key)
}

// storedShared notes that a request made under ctx shared the page key
// with the other replicas through sh.
func storedShared(ctx context.Context, sh cache.Shared, key string) {
	s, _ := ctx.Value(fetchScopeKey{}).(*FetchScope)
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shared == nil {
		s.shared = map[cache.Shared][]string{}
	}
	s.shared[sh] = append(s.shared[sh], key)
}

// Forget drops the entries recorded so far, here and in what the
// replicas share, and returns how many it found.
func (s *FetchScope) Forget() int {
	s.mu.Lock()
	entries, shared := s.entries, s.shared
	s.entries, s.shared = nil, nil
	s.mu.Unlock()
	n := 0
	for c, keys := range entries {
		for _, k := range keys {
			c.Remove(k)
			n++
		}
	}
	if len(shared) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for sh, keys := range shared {
			_ = sh.Remove(ctx, keys...)
		}
	}
	return n
}
