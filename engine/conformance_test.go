package engine_test

import (
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
			queries := []string{
				"SELECT * FROM " + s.Name,
				"SELECT * FROM " + s.Name + " LIMIT 1",
			}
			if s.Created {
				queries = append(queries,
					"SELECT * FROM "+s.Name+" WHERE created >= '2024-01-01' AND created < '2024-02-01' ORDER BY created DESC LIMIT 3",
					"SELECT * FROM "+s.Name+" WHERE created = '2024-01-01 10:00:00'")
			}
			for _, r := range s.Ranges {
				queries = append(queries, "SELECT * FROM "+s.Name+" WHERE "+r.Column+" BETWEEN '2024-01-01' AND '2024-02-01'")
			}
			if s.Retrievable() {
				queries = append(queries, "SELECT * FROM "+s.Name+" WHERE id IN ('x_1', 'x_2')")
			}
			for _, f := range s.Filters {
				queries = append(queries, "SELECT * FROM "+s.Name+" WHERE "+f.Column+" = "+sampleLiteral(t, env, s, f))
			}
			for _, q := range queries {
				rows := env.Rows(t, q)
				// Derived tables read fields that stripe-mock's fixtures leave null.
				if strings.Contains(q, "LIMIT 1") && len(rows) != 1 && s.Derive == nil {
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
	if f.Column == "currency" {
		return "usd"
	}
	return "x_123"
}
