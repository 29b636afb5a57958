package tables

import (
	"fmt"
	"slices"
)

// Search declares a resource's Search API (GET Path/search): the columns
// its query language filters, from Stripe's "Supported query fields for
// each resource" (https://docs.stripe.com/search#query-fields), and the
// event types that carry the object, which make a search exact despite
// the index's lag (package sqltable reads them beside the search). Each
// field's query name is its column's.
type Search struct {
	// Created is true when the query language filters created
	// (created>=…); otherwise rows outside the range are dropped here.
	Created bool
	// Token fields match a value exactly, case included (field:'v').
	Token []string
	// String fields match a value ignoring case (field:'v') and take
	// substrings of three characters or more (field~'v').
	String []string
	// Number fields compare integers (field>1000, field<=5, field:7).
	Number []string
	// Metadata is true when metadata['key']:'value' filters by a key.
	Metadata bool
	// Events are the event types whose data.object is this resource;
	// Object + ".deleted" among them removes the object.
	Events []string
	// Unannounced is true when the object changes without an event (there
	// is no payment_intent.updated): a search cannot be made exact, so
	// stripesql does not use it.
	Unannounced bool
}

// SearchKind is how the Search API compares a field.
type SearchKind int

const (
	SearchNone SearchKind = iota
	SearchToken
	SearchString
	SearchNumber
	SearchMetadata
)

// SearchKindOf is how the Search API filters column col (SearchNone:
// it does not, or the resource has no Search API).
func (s *Spec) SearchKindOf(col string) SearchKind {
	q := s.Search
	switch {
	case q == nil:
		return SearchNone
	case slices.Contains(q.Token, col):
		return SearchToken
	case slices.Contains(q.String, col):
		return SearchString
	case slices.Contains(q.Number, col):
		return SearchNumber
	case q.Metadata && col == "metadata":
		return SearchMetadata
	}
	return SearchNone
}

// SearchPath is the resource's Search API endpoint.
func (s *Spec) SearchPath() string { return s.Path + "/search" }

// checkSearch verifies a Search declaration against the columns: every
// field is a column of a type its kind can compare, and events of the
// object exist to keep a search exact (types[] takes at most 20).
func (s *Spec) checkSearch(cols []Column) error {
	q := s.Search
	if q == nil {
		return nil
	}
	if !s.Created || s.Parent != nil {
		return fmt.Errorf("%s: Search needs a top-level list with created ranges", s.Name)
	}
	kinds := map[SearchKind][]string{SearchToken: q.Token, SearchString: q.String, SearchNumber: q.Number}
	if q.Metadata {
		kinds[SearchMetadata] = []string{"metadata"}
	}
	for kind, names := range kinds {
		for _, n := range names {
			i := slices.IndexFunc(cols, func(c Column) bool { return c.Name == n })
			if i < 0 {
				return fmt.Errorf("%s: search field %q is not a column", s.Name, n)
			}
			want := map[SearchKind][]Kind{SearchToken: {KindString, KindRef}, SearchString: {KindString, KindRef},
				SearchNumber: {KindInt}, SearchMetadata: {KindJSON}}[kind]
			if !slices.Contains(want, cols[i].Kind) {
				return fmt.Errorf("%s: search field %q cannot be compared as declared", s.Name, n)
			}
		}
	}
	if len(q.Events) == 0 || len(q.Events) > 20 {
		return fmt.Errorf("%s: Search needs 1 to 20 event types, has %d", s.Name, len(q.Events))
	}
	return nil
}
