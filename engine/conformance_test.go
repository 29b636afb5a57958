package engine_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stripesql/stripesql/internal/stripesqltest"
	"github.com/stripesql/stripesql/internal/testutil"
	"github.com/stripesql/stripesql/tables"
)

// Every request shape our tables send is accepted by stripe-mock v0.180.0,
// which validates requests against the real API's OpenAPI spec, and every
// response it returns decodes into rows.
func TestStripeMockConformance(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{StripeURL: testutil.StripeMock(t)})
	for _, s := range tables.Specs() {
		t.Run(s.Name, func(t *testing.T) {
			// A table that requires columns reads nothing unless each is
			// pinned: every query pins them.
			from, and := "SELECT * FROM "+s.Name, " WHERE "
			for i, col := range s.Requires {
				f, _ := s.FilterOf(col)
				if i == 0 {
					from += " WHERE "
				} else {
					from += " AND "
				}
				from += col + " = " + sampleLiteral(t, env, s, f)
				and = " AND "
			}
			queries := []string{from, from + " LIMIT 1"}
			if s.Created {
				queries = append(queries,
					from+and+"created >= '2024-01-01' AND created < '2024-02-01' ORDER BY created DESC LIMIT 3",
					from+and+"created = '2024-01-01 10:00:00'")
			}
			for _, r := range s.Ranges {
				queries = append(queries, from+and+r.Column+" BETWEEN '2024-01-01' AND '2024-02-01'")
			}
			if p := s.Parent; p != nil && !s.Required(p.Column) {
				// one parent's list, its fields pinned too
				q := from + and + p.Column + " = 'x_123'"
				for _, w := range p.With {
					q += " AND " + w + " = 'x_123'"
				}
				queries = append(queries, q)
			}
			if s.Retrievable() {
				queries = append(queries, from+and+"id IN ('x_1', 'x_2')")
			}
			for _, f := range s.Filters {
				if !s.Required(f.Column) {
					queries = append(queries, from+and+f.Column+" = "+sampleLiteral(t, env, s, f))
				}
			}
			// stripe-mock does not filter: its fixture need not hold a
			// required field's value (a financial connections owner's
			// ownership), which the rows are checked against.
			// Nor need a parent's fixture hold the field its children are
			// listed by (a financial connections account's ownership).
			fixture := s.Derive == nil && !slices.ContainsFunc(s.Requires, func(c string) bool { return !s.FilterOnly(c) }) &&
				(s.Parent == nil || len(s.Parent.With) == 0)
			for _, q := range queries {
				rows := env.Rows(t, q)
				// Derived tables read fields that stripe-mock's fixtures leave null.
				if strings.Contains(q, "LIMIT 1") && len(rows) != 1 && fixture {
					t.Errorf("%s: %d rows, want stripe-mock's one fixture", q, len(rows))
				}
			}
		})
	}
}

// sampleLiteral is an SQL literal of a value stripe-mock's validation
// accepts for a filter: TRUE for a BOOLEAN column, else sampleValue
// quoted.
func sampleLiteral(t *testing.T, env *stripesqltest.Env, s *tables.Spec, f tables.Filter) string {
	typ := env.Rows(t, `SELECT data_type FROM information_schema.columns
		WHERE table_schema = 'stripe' AND table_name = ? AND column_name = ?`, s.Name, f.Column)
	if len(typ) == 1 && typ[0][0] == "tinyint" {
		return "TRUE"
	}
	return "'" + sampleValue(s, f) + "'"
}

// samples are values of parameters whose values ListParam.Enum cannot
// say: a property of a hash (apps secrets' scope), or an enum beside an
// integer (an upcoming invoice's billing cycle anchor: now, unchanged or
// a time).
var samples = map[string]string{"scope[type]": "account",
	"subscription_billing_cycle_anchor": "now", "subscription_resume_at": "now", "subscription_trial_end": "now"}

// sampleValue is a value stripe-mock's validation accepts for a filter:
// an enum's first value, else an id-like string.
func sampleValue(s *tables.Spec, f tables.Filter) string {
	name := f.Param
	if name == "" {
		name = f.Column
	}
	if p, ok := s.Param(name); ok && len(p.Enum) > 0 {
		return p.Enum[0]
	}
	if v, ok := samples[name]; ok {
		return v
	}
	if f.Column == "currency" {
		return "usd"
	}
	return "x_123"
}
