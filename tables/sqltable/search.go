package sqltable

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/stripesql/stripesql/tables"
)

// The Search API filters on what list parameters cannot (metadata keys,
// substrings of an email, amounts), in Stripe's query language. A
// condition becomes a clause only when the Search API matches at least
// every row MySQL's condition does: the engine still applies every
// condition to the rows, so a looser match (Search ignores case in string
// fields) never widens the answer, while a stricter one would lose rows.
// search_plan.go decides when a query is read through Search, and how it
// stays exact although Stripe's index lags behind writes.

// SearchOp is the comparison of a SearchCond.
type SearchOp string

const (
	SearchEq   SearchOp = "="
	SearchLike SearchOp = "LIKE"
	SearchGt   SearchOp = ">"
	SearchGte  SearchOp = ">="
	SearchLt   SearchOp = "<"
	SearchLte  SearchOp = "<="
)

// SearchCond is one conjunct of a WHERE clause: column Op Value, with
// metadata's Key for `metadata->>'$.key' = 'v'`. Value is a string (a
// LIKE pattern for SearchLike) or an integer.
type SearchCond struct {
	Column string
	Key    string
	Op     SearchOp
	Value  any
}

// searchClause is one clause of a search query and the column it filters.
type searchClause struct {
	column string
	text   string
}

// minSubstring is the shortest substring Search matches with ~; a shorter
// fragment could match fewer objects than LIKE does.
const minSubstring = 3

// searchClauseOf renders a condition as a clause of the spec's query
// language; ok is false when Search cannot take it without risking to
// match fewer objects than MySQL would.
func searchClauseOf(s *tables.Spec, c SearchCond) (searchClause, bool) {
	kind := s.SearchKindOf(c.Column)
	field := c.Column
	switch {
	case kind == tables.SearchMetadata && c.Op == SearchEq && c.Key != "":
		v, ok := searchString(c.Value)
		if !ok || !plainKey(c.Key) {
			return searchClause{}, false
		}
		return searchClause{c.Column, "metadata['" + c.Key + "']:" + v}, true
	case kind == tables.SearchToken || kind == tables.SearchString:
		if c.Key != "" {
			return searchClause{}, false
		}
		switch c.Op {
		case SearchEq:
			v, ok := searchString(c.Value)
			if !ok {
				return searchClause{}, false
			}
			str, _ := c.Value.(string)
			if p, ok := s.FilterParam(c.Column); ok && !s.Accepts(p, str) {
				return searchClause{}, false // status = 'PAID': the engine finds nothing
			}
			if kind == tables.SearchString && !strings.ContainsFunc(str, isWordRune) {
				// A string field's : matches the value's words: a value
				// without any ('---') may match nothing at all.
				return searchClause{}, false
			}
			return searchClause{c.Column, field + ":" + v}, true
		case SearchLike:
			pat, _ := c.Value.(string)
			frag, ok := likeFragment(pat)
			if kind != tables.SearchString || !ok {
				return searchClause{}, false
			}
			v, ok := searchString(frag)
			return searchClause{c.Column, field + "~" + v}, ok
		}
	case kind == tables.SearchNumber && c.Key == "":
		n, ok := c.Value.(int64)
		if !ok {
			return searchClause{}, false
		}
		op := string(c.Op)
		switch c.Op {
		case SearchEq:
			op = ":"
		case SearchLike:
			return searchClause{}, false
		}
		return searchClause{c.Column, field + op + strconv.FormatInt(n, 10)}, true
	}
	return searchClause{}, false
}

// searchString quotes a string value: single quotes, a quote inside
// escaped with a backslash, as Stripe documents. A value Search might
// compare differently from MySQL is refused: empty, with surrounding
// spaces (the query language may trim them; utf8mb4_0900_bin does not),
// with a backslash (its escaping is not documented) or a control
// character.
func searchString(v any) (string, bool) {
	s, ok := v.(string)
	if !ok || s == "" || strings.TrimSpace(s) != s || strings.ContainsAny(s, "\\") || len(s) > 500 {
		return "", false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return "", false
		}
	}
	return "'" + strings.ReplaceAll(s, "'", `\'`) + "'", true
}

// plainKey reports a metadata key safe to name in a query: Stripe's keys
// are up to 40 characters, and these need no escaping.
var plainKey = regexp.MustCompile(`^[A-Za-z0-9_\-.]{1,40}$`).MatchString

// likeFragment is the longest run of letters and digits among the
// literal characters of a LIKE pattern (default escape \): every string
// the pattern matches contains it, so Search's substring match of it
// (which ignores case) matches at least those. Runs stop at punctuation
// and spaces too, where Stripe's index may split words. ok is false when
// no run has minSubstring characters.
//
// Runs also stop where an index's text analysis could make the fragment
// differ from the same characters inside a stored word, so that a
// substring MySQL finds would not be found by Search: at letters of
// scripts written without spaces (Han, kana, Thai, Lao, Khmer, Myanmar),
// which word segmentation splits into single characters or dictionary
// words; at a capital sigma, which lower-cases to final ς at the end of
// the fragment but to σ inside the stored word; and before a combining
// mark, which Unicode normalization may fold into the letter before it.
// (The fake's substring match is plain, so it cannot show these misses.)
func likeFragment(pattern string) (string, bool) {
	var best, cur []rune
	end := func() {
		if len(cur) > len(best) {
			best = cur
		}
		cur = nil
	}
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\\' && i+1 < len(rs):
			i++
			r = rs[i]
		case r == '%' || r == '_':
			end()
			continue
		}
		switch {
		case unicode.In(r, unicode.Mn, unicode.Mc, unicode.Me):
			if len(cur) > 0 {
				cur = cur[:len(cur)-1]
			}
			end()
		case r == 'Σ' || unicode.In(r, unsegmented...):
			end()
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			cur = append(cur, r)
		default:
			end()
		}
	}
	end()
	return string(best), len(best) >= minSubstring
}

// isWordRune is a letter or a digit: what a string field's words are
// made of.
func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// unsegmented are scripts written without spaces between words.
var unsegmented = []*unicode.RangeTable{unicode.Han, unicode.Hiragana, unicode.Katakana,
	unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar}

// searchQuery joins clauses with AND (Search cannot mix AND and OR), in
// a stable order, without repeats.
func searchQuery(clauses []searchClause) string {
	var texts []string
	for _, c := range clauses {
		if !slices.Contains(texts, c.text) {
			texts = append(texts, c.text)
		}
	}
	return strings.Join(texts, " AND ")
}

// createdClauses bound the search to [lo, hi) of created when the
// resource's query language filters created.
func createdClauses(s *tables.Spec, lo, hi int64) []searchClause {
	if !s.Search.Created {
		return nil
	}
	var out []searchClause
	if lo > 0 {
		out = append(out, searchClause{"created", "created>=" + strconv.FormatInt(lo, 10)})
	}
	if hi < unbounded {
		out = append(out, searchClause{"created", "created<" + strconv.FormatInt(hi, 10)})
	}
	return out
}

// WithSearch returns a copy of the table that reads through the Search API
// where that pays off (search_plan.go), with the conditions Search can
// take; ok is false when it can take none, or the client has Search off.
// anyOf are disjunctions among the query's conjuncts (`a OR b`, `col IN
// (x, y)`), each as its branches' conditions: the one with the fewest
// branches of those whose every branch Search can narrow is read as one
// search per branch, their results joined (a search cannot mix AND and
// OR, and the created range bounding every search is an AND). The engine
// still applies every condition.
func (t *Table) WithSearch(conds []SearchCond, anyOf ...[][]SearchCond) (*Table, bool) {
	if t.spec.Search == nil || t.client == nil || t.client.opts.SearchLag <= 0 {
		return t, false
	}
	clauses := t.searchClauses(conds)
	var branches [][]searchClause
	for _, d := range anyOf {
		if bs, ok := t.searchBranches(d); ok && (branches == nil || len(bs) < len(branches)) {
			branches = bs
		}
	}
	if len(clauses) == 0 && branches == nil {
		return t, false
	}
	c := *t
	c.search, c.searchAny = clauses, branches
	return &c, true
}

// maxSearchBranches bounds the searches one disjunction is read with: a
// second of the Search API's own rate limit (20 a second). A longer IN
// list reads the list endpoint instead (or the search of the other
// conditions).
const maxSearchBranches = 20

// searchClauses are the clauses of the conditions Search can take, in a
// stable order.
func (t *Table) searchClauses(conds []SearchCond) []searchClause {
	var clauses []searchClause
	for _, c := range conds {
		if cl, ok := searchClauseOf(t.spec, c); ok {
			clauses = append(clauses, cl)
		}
	}
	slices.SortStableFunc(clauses, func(a, b searchClause) int { return strings.Compare(a.text, b.text) })
	return clauses
}

// searchBranches are a disjunction's branches as clauses, without
// repeats; ok is false when a branch has none (Search would have to read
// everything for it) or there are more than maxSearchBranches.
func (t *Table) searchBranches(branches [][]SearchCond) ([][]searchClause, bool) {
	var out [][]searchClause
	for _, b := range branches {
		clauses := t.searchClauses(b)
		if len(clauses) == 0 {
			return nil, false
		}
		if !slices.ContainsFunc(out, func(o []searchClause) bool { return searchQuery(o) == searchQuery(clauses) }) {
			out = append(out, clauses)
		}
	}
	return out, len(out) > 0 && len(out) <= maxSearchBranches
}

// searchQueries are the conjunctions of clauses read with one search
// each: the table's clauses with each branch of its disjunction, or
// alone.
func (t *Table) searchQueries() [][]searchClause {
	if len(t.searchAny) == 0 {
		if len(t.search) == 0 {
			return nil
		}
		return [][]searchClause{t.search}
	}
	out := make([][]searchClause, len(t.searchAny))
	for i, b := range t.searchAny {
		out[i] = append(slices.Clone(t.search), b...)
	}
	return out
}

// IntValue converts an integer of any Go type the engine hands over to
// int64; ok is false for anything else (a float, a decimal: Search
// compares integers, and amounts are integers).
func IntValue(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		if x > math.MaxInt64 {
			return 0, false
		}
		return int64(x), true
	}
	return 0, false
}
