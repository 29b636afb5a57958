package fakestripe

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Stripe's search query language (https://stripe.com/docs/search#search-query-language):
//
//	query  = clause { [ "AND" | "OR" ] clause }   (at most 10 clauses)
//	clause = [ "-" ] field op value
//	field  = name { "." name } | "metadata[" quoted "]"
//	op     = ":" | "~" | ">" | "<" | ">=" | "<="
//	value  = quoted | number | "null"
//
// Clauses separated by a space are ANDed; AND and OR (any case) may not be
// mixed in one query and there are no parentheses. Strings must be quoted,
// with ' or ", a backslash escapes the next character; numbers may go
// unquoted. ":" is an exact match, case-insensitive; on a field of type
// string it matches "any record where that record contains all of the
// words from the query in the same order" (name:"one two three" matches
// "one two three four"), which the fake takes as a run of consecutive
// words. "~" is a case-insensitive substring match of at least 3
// characters, on string fields only; the comparisons take numeric fields
// only; "null" matches a field (or metadata key) without a value, and "-"
// negates a clause. What breaks these rules is Stripe's 400.

// maxSearchClauses is Stripe's documented limit of clauses per query.
const maxSearchClauses = 10

// minSubstring is the shortest value "~" takes.
const minSubstring = 3

type searchOp string

const (
	opEqual searchOp = ":"
	opSub   searchOp = "~"
	opGT    searchOp = ">"
	opLT    searchOp = "<"
	opGE    searchOp = ">="
	opLE    searchOp = "<="
)

// searchFieldType is how a field may be queried, from Stripe's table of
// query fields: string takes ":" and "~", token only ":", numeric ":" and
// the comparisons.
type searchFieldType uint8

const (
	fieldToken searchFieldType = iota
	fieldString
	fieldNumeric
)

// searchClause is one parsed clause.
type searchClause struct {
	negate bool
	field  string // "amount", "payment_method_details.card.last4", "metadata"
	key    string // the metadata key, for field "metadata"
	typ    searchFieldType
	op     searchOp
	value  string
	null   bool    // the value was the bare word null
	number float64 // the value, when it is a number
	isNum  bool
}

// searchQuery is a parsed query: its clauses joined by AND (or by OR).
type searchQuery struct {
	clauses []searchClause
	or      bool
}

// unparsable is Stripe's answer to a query it cannot parse; why is added
// to say what this fake found wrong.
func unparsable(why string) *apiError {
	return badParam("query", "We were unable to parse your search query. Try using the format `metadata[\"key\"]:\"value\"` to query for metadata or key:\"value\" to query for other fields. (%s)", why)
}

// unsupportedField is Stripe's answer to a field the resource cannot be
// searched by.
func unsupportedField(field, resource string) *apiError {
	return badParam("query", "Field `%s` is an unsupported search field for resource `%s`. See https://stripe.com/docs/search#query-fields-for-%s for a list of supported fields.",
		field, resource, strings.ReplaceAll(resource, "_", "-"))
}

// parseSearchQuery parses q and checks it against the fields of resource.
func parseSearchQuery(q, resource string) (*searchQuery, *apiError) {
	p := queryParser{s: q}
	out := &searchQuery{}
	joined := "" // "AND", "OR" or " " (implicit AND) once two clauses are joined
	for {
		p.skipSpace()
		if p.done() {
			break
		}
		if len(out.clauses) > 0 {
			join := " "
			if word := p.keyword(); word != "" {
				join = word
				p.skipSpace()
			}
			if joined != "" && (join == "OR") != (joined == "OR") {
				return nil, unparsable("AND and OR cannot be combined in one query")
			}
			joined = join
		}
		c, err := p.clause()
		if err != nil {
			return nil, err
		}
		if err := checkClause(&c, resource); err != nil {
			return nil, err
		}
		out.clauses = append(out.clauses, c)
		if len(out.clauses) > maxSearchClauses {
			return nil, unparsable(fmt.Sprintf("a query has at most %d clauses", maxSearchClauses))
		}
	}
	if len(out.clauses) == 0 {
		return nil, unparsable("the query is empty")
	}
	out.or = joined == "OR"
	return out, nil
}

// checkClause checks a clause's operator and value against its field,
// and sets its type.
func checkClause(c *searchClause, resource string) *apiError {
	typ, ok := searchFields[resource][c.field]
	if !ok {
		return unsupportedField(c.field, resource)
	}
	c.typ = typ
	tokens := searchTokens[resource][c.field]
	switch {
	case c.op == opSub && typ != fieldString:
		return unparsable(fmt.Sprintf("field `%s` does not support substring matching (~)", c.field))
	case c.op == opSub && (c.null || len([]rune(c.value)) < minSubstring):
		return unparsable(fmt.Sprintf("a substring match (~) needs at least %d characters", minSubstring))
	case c.op != opEqual && c.op != opSub && typ != fieldNumeric:
		return unparsable(fmt.Sprintf("field `%s` does not support numeric comparison (%s)", c.field, c.op))
	case typ == fieldNumeric && !c.null && !c.isNum:
		return unparsable(fmt.Sprintf("field `%s` takes a number, not %q", c.field, c.value))
	case c.null && c.op != opEqual:
		return unparsable("null takes the : operator only")
	case tokens != nil && !c.null && !slices.Contains(tokens, strings.ToLower(c.value)):
		return unparsable(fmt.Sprintf("field `%s` accepts only the tokens %s", c.field, strings.Join(tokens, ", ")))
	}
	return nil
}

// queryParser reads a query left to right.
type queryParser struct {
	s   string
	pos int
}

func (p *queryParser) done() bool { return p.pos >= len(p.s) }

func (p *queryParser) skipSpace() {
	for !p.done() && isQuerySpace(p.s[p.pos]) {
		p.pos++
	}
}

// atSpace reports whether the query ends here or a space follows.
func (p *queryParser) atSpace() bool { return p.done() || isQuerySpace(p.s[p.pos]) }

func isQuerySpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' }

// keyword consumes AND or OR (any case) followed by a space, returning it
// in upper case; "" when the next word is not one.
func (p *queryParser) keyword() string {
	for _, w := range []string{"AND", "OR"} {
		end := p.pos + len(w)
		if end < len(p.s) && strings.EqualFold(p.s[p.pos:end], w) && isQuerySpace(p.s[end]) {
			p.pos = end
			return w
		}
	}
	return ""
}

func (p *queryParser) clause() (searchClause, *apiError) {
	var c searchClause
	if !p.done() && p.s[p.pos] == '-' {
		c.negate = true
		p.pos++
	}
	start := p.pos
	for !p.done() && isFieldByte(p.s[p.pos]) {
		p.pos++
	}
	c.field = p.s[start:p.pos]
	if c.field == "" || c.field[0] == '.' || c.field[len(c.field)-1] == '.' || strings.Contains(c.field, "..") {
		return c, unparsable(fmt.Sprintf("expected a field at position %d", start))
	}
	if !p.done() && p.s[p.pos] == '[' {
		if c.field != "metadata" {
			return c, unparsable(fmt.Sprintf("only metadata takes a [key], not %s", c.field))
		}
		p.pos++
		key, err := p.quoted()
		if err != nil {
			return c, err
		}
		if p.done() || p.s[p.pos] != ']' {
			return c, unparsable("expected ] after the metadata key")
		}
		p.pos++
		c.key = key
	} else if c.field == "metadata" {
		return c, unparsable("metadata is searched by key: metadata['key']:'value'")
	}
	c.op = p.operator()
	if c.op == "" {
		return c, unparsable(fmt.Sprintf("expected an operator (: ~ > < >= <=) after %s", c.field))
	}
	if p.atSpace() {
		return c, unparsable("expected a value after " + c.field + string(c.op))
	}
	if q := p.s[p.pos]; q == '\'' || q == '"' {
		v, err := p.quoted()
		if err != nil {
			return c, err
		}
		c.value = v
	} else {
		start := p.pos
		for !p.atSpace() {
			p.pos++
		}
		c.value = p.s[start:p.pos]
		if strings.EqualFold(c.value, "null") {
			c.null = true
			return c, nil
		}
		// Only numbers may go unquoted.
		if _, err := strconv.ParseFloat(c.value, 64); err != nil {
			return c, unparsable(fmt.Sprintf("the value %q must be quoted", c.value))
		}
	}
	if n, err := strconv.ParseFloat(c.value, 64); err == nil {
		c.number, c.isNum = n, true
	}
	if !p.atSpace() {
		return c, unparsable(fmt.Sprintf("unexpected %q at position %d", p.s[p.pos], p.pos))
	}
	return c, nil
}

func isFieldByte(b byte) bool {
	return b == '_' || b == '.' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

func (p *queryParser) operator() searchOp {
	for _, op := range []searchOp{opGE, opLE, opEqual, opSub, opGT, opLT} {
		if strings.HasPrefix(p.s[p.pos:], string(op)) {
			p.pos += len(op)
			return op
		}
	}
	return ""
}

// quoted reads a string in ' or " quotes; a backslash escapes the next
// character (\' and \" are quotes, \\ a backslash).
func (p *queryParser) quoted() (string, *apiError) {
	if p.done() || (p.s[p.pos] != '\'' && p.s[p.pos] != '"') {
		return "", unparsable(fmt.Sprintf("expected a quoted string at position %d", p.pos))
	}
	quote := p.s[p.pos]
	p.pos++
	var b strings.Builder
	for !p.done() {
		c := p.s[p.pos]
		p.pos++
		switch {
		case c == '\\' && !p.done():
			b.WriteByte(p.s[p.pos])
			p.pos++
		case c == quote:
			return b.String(), nil
		default:
			b.WriteByte(c)
		}
	}
	return "", unparsable("a quoted string is not closed")
}

// matches reports whether a document (the indexed state of an object)
// matches the query.
func (q *searchQuery) matches(doc map[string]any) bool {
	for _, c := range q.clauses {
		if c.matches(doc) == q.or {
			return q.or
		}
	}
	return !q.or
}

func (c searchClause) matches(doc map[string]any) bool {
	return c.test(doc) != c.negate
}

// test is the clause without its negation.
func (c searchClause) test(doc map[string]any) bool {
	v, present := searchValue(doc, c.field, c.key)
	if c.null {
		return !present || v == nil
	}
	if !present || v == nil {
		return false
	}
	if c.isNum {
		if n, ok := numberOf(v); ok {
			switch c.op {
			case opEqual:
				return n == c.number
			case opGT:
				return n > c.number
			case opLT:
				return n < c.number
			case opGE:
				return n >= c.number
			case opLE:
				return n <= c.number
			}
		}
	}
	s := fmt.Sprint(v)
	switch {
	case c.op == opEqual && c.typ == fieldString:
		return containsWords(s, c.value)
	case c.op == opEqual:
		return strings.EqualFold(s, c.value)
	case c.op == opSub:
		return strings.Contains(strings.ToLower(s), strings.ToLower(c.value))
	}
	return false
}

// containsWords reports whether the words of query (runs of letters and
// digits, case-insensitive) are consecutive words of s. A query without
// words must equal s.
func containsWords(s, query string) bool {
	want := words(query)
	if len(want) == 0 {
		return strings.EqualFold(s, query)
	}
	have := words(s)
	for i := 0; i+len(want) <= len(have); i++ {
		if slices.Equal(have[i:i+len(want)], want) {
			return true
		}
	}
	return false
}

func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// searchValue reads a field of a document (searchDoc keeps fields by their
// dotted name) or of an object (walking the dots), or a metadata key.
func searchValue(doc map[string]any, field, key string) (any, bool) {
	if field == "metadata" {
		m, _ := doc["metadata"].(map[string]any)
		v, ok := m[key]
		return v, ok
	}
	if v, ok := doc[field]; ok {
		return v, true
	}
	var cur any = doc
	for _, name := range strings.Split(field, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[name]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func numberOf(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}
