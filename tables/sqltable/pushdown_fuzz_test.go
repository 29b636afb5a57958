package sqltable_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	gms "github.com/dolthub/go-mysql-server/sql"

	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/stripesqltest"
	"github.com/stripesql/stripesql/tables"
)

// fuzzTables are the tables random predicates are made for, with the
// columns they use: the filterable ones (pushed down to Stripe) and some
// that only the engine can filter.
var fuzzTables = []struct {
	name    string
	columns []string
}{
	{"charges", []string{"id", "created", "customer", "payment_intent", "amount", "currency", "status", "paid", "description"}},
	{"invoices", []string{"id", "created", "customer", "status", "subscription", "collection_method", "amount_due", "paid"}},
	{"balance_transactions", []string{"id", "created", "type", "currency", "payout", "net"}},
}

// filterOnlyRefs give the reference copy the values of filter-only
// columns, which the rows stripesql scans do not show: the fake account's
// own assignment (NULL for none).
var filterOnlyRefs = map[string]func(f *fakestripe.Server, id string) any{
	"balance_transactions.payout": func(f *fakestripe.Server, id string) any {
		if p := f.PayoutOf(id); p != "" {
			return p
		}
		return nil
	},
}

var fuzzOps = []string{"=", "!=", "<", "<=", ">", ">=", "<=>", "IN", "NOT IN", "BETWEEN", "IS NULL", "IS NOT NULL"}

// pushdownOracle answers the same queries twice: through stripesql
// (predicates pushed down into Stripe requests) and through
// go-mysql-server's memory engine over a copy of the same rows, with no
// index, so that it filters a full scan itself (stripesqltest.Reference).
type pushdownOracle struct {
	env *stripesqltest.Env
	ref *stripesqltest.Reference
}

// FuzzPushdown checks that a random WHERE clause (and optional ORDER BY …
// LIMIT) gives the same rows whether stripesql pushes it into Stripe's
// list parameters or the engine filters every row itself. A condition on
// a filter-only column (payout) gives the rows that hold the value, or is
// refused when no request can pin it: never another answer.
func FuzzPushdown(f *testing.F) {
	for _, seed := range [][4]uint64{
		{0, 0, 0, 0}, {1, 13, 200, 1}, {2, 0x1234, 7, 2}, {25, 3, 99, 3}, {40, 41, 42, 4}, {3, 500, 17, 5},
		{7 + 9*9, 1, 2, 6}, {11, 2 + 9*8, 5, 7}, {9 * 10, 9*11 + 2, 3, 9}, {1 + 9*9*3, 0, 0, 11},
	} {
		f.Add(seed[0], seed[1], seed[2], uint8(seed[3]))
	}
	o := newPushdownOracle(f)
	f.Fuzz(func(t *testing.T, a, b, c uint64, shape uint8) {
		table := fuzzTables[int(shape>>4)%len(fuzzTables)]
		where := o.predicate(table.name, table.columns, a, b, c, shape&0x0f)
		q := "SELECT id FROM " + table.name + " WHERE " + where
		if shape&0x80 != 0 {
			q += fmt.Sprintf(" ORDER BY created DESC, id LIMIT %d", 1+a%40)
		}
		got, err := o.viaStripe(q)
		if err != nil && refusedFilterOnly(err, table.name, where) {
			return
		}
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		want, err := o.viaEngine(q)
		if err != nil {
			t.Fatalf("reference engine: %s: %v", q, err)
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("%s\npushed down: %d rows %v\nengine alone: %d rows %v", q, len(got), got, len(want), want)
		}
	})
}

func newPushdownOracle(tb testing.TB) *pushdownOracle {
	env := stripesqltest.Start(tb, stripesqltest.Options{Fake: fakestripe.Options{Scale: 120}, CacheTTL: time.Hour})
	columns := map[string][]string{}
	for _, ft := range fuzzTables {
		columns[ft.name] = ft.columns
	}
	ref := stripesqltest.NewReference(tb, env, nil)
	for table, cols := range columns {
		ref.LoadWith(tb, env, table, cols, func(col string, row gms.Row) (any, bool) {
			f, ok := filterOnlyRefs[table+"."+col]
			if !ok {
				return nil, false
			}
			return f(env.Fake, row[0].(string)), true
		})
	}
	return &pushdownOracle{env: env, ref: ref}
}

// refusedFilterOnly reports whether err is stripesql refusing a
// condition on a filter-only column of table that where has.
func refusedFilterOnly(err error, table, where string) bool {
	spec, _ := tables.Lookup(table)
	for _, f := range spec.Filters {
		if f.Only && strings.Contains(where, f.Column) {
			return strings.Contains(err.Error(), "Error 1235 (42000): "+table+"."+f.Column+" is a filter-only column")
		}
	}
	return false
}

// predicate builds a WHERE clause from the fuzzer's numbers: up to three
// comparisons, combined as shape says.
func (o *pushdownOracle) predicate(table string, cols []string, a, b, c uint64, shape uint8) string {
	l1, l2, l3 := o.leaf(table, cols, a), o.leaf(table, cols, b), o.leaf(table, cols, c)
	switch shape % 8 {
	case 0:
		return l1
	case 1:
		return l1 + " AND " + l2
	case 2:
		return l1 + " OR " + l2
	case 3:
		return l1 + " AND (" + l2 + " OR " + l3 + ")"
	case 4:
		return "NOT (" + l1 + ") AND " + l2
	case 5:
		return l1 + " AND " + l2 + " AND " + l3
	case 6:
		return "(" + l1 + " OR " + l2 + ") AND " + l3
	default:
		return l1 + " OR (" + l2 + " AND " + l3 + ")"
	}
}

// leaf is one comparison: a column, an operator and values from the
// table (some nudged, so that bounds fall between and on values).
func (o *pushdownOracle) leaf(table string, cols []string, n uint64) string {
	col := cols[n%uint64(len(cols))]
	n /= uint64(len(cols))
	op := fuzzOps[n%uint64(len(fuzzOps))]
	n /= uint64(len(fuzzOps))
	v1 := o.value(table, col, n)
	v2 := o.value(table, col, n>>8)
	switch op {
	case "IS NULL", "IS NOT NULL":
		return col + " " + op
	case "IN", "NOT IN":
		return fmt.Sprintf("%s %s (%s, %s)", col, op, v1, v2)
	case "BETWEEN":
		return fmt.Sprintf("%s BETWEEN %s AND %s", col, v1, v2)
	}
	return fmt.Sprintf("%s %s %s", col, op, v1)
}

// value picks one of the column's values, nudged for some n.
func (o *pushdownOracle) value(table, col string, n uint64) string {
	vals := o.ref.Values[table][col]
	v := vals[n%uint64(len(vals))]
	nudge := (n / uint64(len(vals))) % 4
	switch {
	case nudge == 0 || v == "NULL":
		return v
	case strings.HasPrefix(v, "'") && len(v) == len("'2006-01-02 15:04:05'") && v[5] == '-':
		t, err := time.Parse("'2006-01-02 15:04:05'", v)
		if err != nil {
			return v
		}
		switch nudge {
		case 1:
			return stripesqltest.Literal(t.Add(time.Second))
		case 2:
			return stripesqltest.Literal(t.Add(-time.Second))
		}
		return "'" + t.Format("2006-01-02 15:04:05") + ".5'"
	case strings.HasPrefix(v, "'"):
		return v[:len(v)-1] + "x'"
	}
	return fmt.Sprintf("%s + %d", v, int64(nudge)-2)
}

func (o *pushdownOracle) viaStripe(q string) ([]string, error) {
	rows, err := o.env.DB.Query(q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids, rows.Err()
}

func (o *pushdownOracle) viaEngine(q string) ([]string, error) {
	rows, err := o.ref.Query(q)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r[0]
	}
	sort.Strings(ids)
	return ids, nil
}
