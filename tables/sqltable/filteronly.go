package sqltable

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/vitess/go/mysql"

	"github.com/stripesql/stripesql/tables"
	"github.com/stripesql/stripesql/tables/decode"
)

// Filter-only columns are list parameters that are no field of the object
// (balance transactions' payout): a row holds the parameter's value when
// the request that read it sent the parameter, NULL otherwise. Every row
// is filled from its own request (fillPinned), before anything checks it
// or the row cache stores it; a step pinning one is never answered from
// the unfiltered list's rows (see checksAll).

// pinnedCol is a filter-only column of a table.
type pinnedCol struct {
	ord   int
	param string
	kind  tables.Kind
}

// pinnedCols lists the filter-only columns of a table's schema.
func pinnedCols(s *tables.Spec, cols []tables.Column) []pinnedCol {
	var out []pinnedCol
	for i, c := range cols {
		if f, ok := s.FilterOf(c.Name); ok && f.Only {
			out = append(out, pinnedCol{ord: i, param: f.ParamName(), kind: c.Kind})
		}
	}
	return out
}

// fillPinned sets the filter-only columns of a row read by a request
// with params to the values the request sent.
func (t *Table) fillPinned(row []any, params url.Values) {
	for _, p := range t.pinned {
		v := params[p.param]
		if len(v) != 1 {
			continue
		}
		raw := []byte(v[0]) // a boolean's value is its JSON
		if p.kind != tables.KindBool {
			raw, _ = json.Marshal(v[0])
		}
		row[p.ord], _ = decode.Value(raw, p.kind)
	}
}

// pinsResidual reports whether the table's residual filters pin a
// filter-only column: only the list with that parameter can tell which
// objects have the value, so an id is then checked on that list's rows
// rather than retrieved (a retrieve cannot say whether txn_… was paid out
// by po_…).
func (t *Table) pinsResidual() bool {
	for _, p := range t.pinned {
		if _, ok := t.residual[p.param]; ok {
			return true
		}
	}
	return false
}

// sendsPinned reports whether params send a filter-only column's
// parameter: a read without any sends the spec's Unpinned instead.
func (t *Table) sendsPinned(params url.Values) bool {
	for _, p := range t.pinned {
		if params.Has(p.param) {
			return true
		}
	}
	return false
}

// ReadsUnpinned reports whether an access pinning the columns pinned
// (see Pinned) reads the table with the spec's Unpinned parameters in
// place of the columns it requires: it pins no filter-only column.
func (t *Table) ReadsUnpinned(pinned map[string]bool) bool {
	if len(t.spec.Unpinned) == 0 {
		return false
	}
	for _, p := range t.pinned {
		if pinned[t.schema.Schema[p.ord].Name] {
			return false
		}
	}
	return true
}

// erNotSupportedYet is MySQL's ER_NOT_SUPPORTED_YET: the query asks what
// the API cannot answer.
const erNotSupportedYet = 1235

// PinError is the error of a condition on a filter-only column that no
// request can answer: a range, IS NULL, or a comparison the engine would
// make against the NULL of rows read without the parameter.
func PinError(s *tables.Spec, col string) error {
	return mysql.NewSQLError(erNotSupportedYet, "42000",
		"%s.%s is a filter-only column (the list parameter %s of GET %s, not a field of the object): "+
			"pin it to constants (%s = '…' or %s IN ('…', …)) or join on it (… JOIN %s ON %s.%s = other.id); "+
			"read without the parameter it is NULL, so no other condition on it can be answered",
		s.Name, col, paramOf(s, col), s.Path, col, col, s.Name, s.Name, col)
}

// RequiredError is the error of a query that does not pin a column the
// table cannot be read without (Spec.Requires).
func RequiredError(s *tables.Spec, col string) error {
	return mysql.NewSQLError(erNotSupportedYet, "42000",
		"%s needs %s: %s; pin it to constants (%s = '…' or %s IN ('…', …)) or join on it (… JOIN %s ON %s.%s = other.column)",
		s.Name, col, RequiredReason(s, col), col, col, s.Name, s.Name, col)
}

// RequiredReason says why the table cannot be read without col: Stripe
// lists nothing without its parameter, and no table lists its values.
func RequiredReason(s *tables.Spec, col string) string {
	param := paramOf(s, col)
	if p := s.Parent; p != nil && p.Column == col {
		param = "{" + p.Param + "}"
	}
	return fmt.Sprintf("GET %s lists nothing without %s, and no table lists its values to read them all", s.Path, param)
}

// checkRequired refuses a plan reading the table without a column it
// requires: a walk of a parent no table lists, or a list request without
// a required parameter. The engine refuses such queries at planning
// (engine/filteronly.go); this keeps any other caller from sending
// Stripe a request it can only refuse.
func (t *Table) checkRequired(p plan) error {
	for _, st := range p.steps {
		if st.req.kind != reqList && st.req.kind != reqWalk {
			continue // a retrieve, one object, needs none
		}
		for _, col := range t.spec.Requires {
			missing := false
			if parent := t.spec.Parent; parent != nil && parent.Column == col {
				missing = st.req.kind == reqWalk
			} else if param, ok := t.spec.FilterParam(col); ok {
				// a walk's child requests add the residual filters
				missing = len(st.req.params[param]) == 0 && !t.residual.Has(param)
			}
			if missing {
				return RequiredError(t.spec, col)
			}
		}
	}
	return nil
}

func paramOf(s *tables.Spec, col string) string {
	p, _ := s.FilterParam(col)
	return p
}

// asSQLError passes an error the table made for the client unchanged.
func asSQLError(err error) (*mysql.SQLError, bool) {
	var se *mysql.SQLError
	return se, errors.As(err, &se)
}

// Pinned returns the filter-only columns an access to the table pins:
// those its residual filters send, and the first column of index ix (nil
// for a scan) when filter-only and fixed to a value by each range of
// lookup, or per row of a join (lookup nil). Any other condition on a
// filter-only column compares the NULL of rows read without it.
//
// The columns the table requires (Spec.Requires) are reported the same
// way: pinned by the residual filters or the lookup.
func (t *Table) Pinned(ix sql.Index, lookup *sql.IndexLookup) map[string]bool {
	out := map[string]bool{}
	for _, p := range t.pinned {
		if _, ok := t.residual[p.param]; ok {
			out[t.schema.Schema[p.ord].Name] = true
		}
	}
	for _, col := range t.spec.Requires {
		if p, ok := t.spec.FilterParam(col); ok && t.residual.Has(p) {
			out[col] = true
		}
	}
	own, ok := ix.(*index)
	if !ok || !t.spec.FilterOnly(own.columns[0]) && !t.spec.Required(own.columns[0]) {
		return out
	}
	if lookup != nil {
		ranges, ok := lookup.Ranges.(sql.MySQLRangeCollection)
		if !ok {
			return out
		}
		for _, r := range ranges {
			if key, point := pointKey(r[0]); !point || key == nil {
				return out
			}
		}
	}
	out[own.columns[0]] = true
	return out
}

// Walks reports whether reading the table through index ix (nil: a
// scan) walks every parent: a child list whose lookup pins no parent (a
// filter on treasury transactions' status still lists every financial
// account's). lookup is the static lookup, nil for one per row of a
// join, which walks unless keyed on the parent or the id.
func (t *Table) Walks(ix sql.Index, lookup *sql.IndexLookup) bool {
	if t.spec.Parent == nil {
		return false
	}
	own, ok := ix.(*index)
	if !ok {
		return true
	}
	if lookup == nil {
		c := own.columns[0]
		return c != t.spec.Parent.Column && (c != "id" || !t.spec.Retrievable())
	}
	p, err := t.planLookup(*lookup)
	if err != nil {
		return false
	}
	for _, st := range p.steps {
		if st.req.kind == reqWalk && st.req.parentID == "" {
			return true
		}
	}
	return false
}
