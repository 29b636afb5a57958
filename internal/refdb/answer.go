package refdb

import (
	"context"
	"database/sql"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"
)

// Answer runs a query and returns its rows, each a tab-separated line of
// normalised values (see Normalize), in the order the server sent them.
func Answer(ctx context.Context, db *sql.DB, query string) ([]string, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var out []string
	cells := make([]string, len(cols))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for i, v := range vals {
			cells[i] = Normalize(v)
		}
		out = append(out, strings.Join(cells, "\t"))
	}
	return out, rows.Err()
}

var (
	decimalRe  = regexp.MustCompile(`^-?[0-9]+\.[0-9]+$`)
	floatRe    = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?[eE][-+]?[0-9]+$`)
	datetimeRe = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]+$`)
)

// Normalize writes a value the way both servers' answers compare: NULL as
// NULL, decimals without trailing zeros (29.00 and 29 are one value), a
// float in exponent form as a decimal, a DATETIME without a zero fraction.
func Normalize(v sql.NullString) string {
	if !v.Valid {
		return "NULL"
	}
	s := v.String
	switch {
	case decimalRe.MatchString(s):
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		if s == "-0" {
			s = "0"
		}
	case floatRe.MatchString(s):
		if r, ok := new(big.Rat).SetString(s); ok {
			s = strings.TrimRight(strings.TrimRight(r.FloatString(12), "0"), ".")
		}
	case datetimeRe.MatchString(s):
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// Diff is "" when got and want are the same answer (in order when
// ordered, as multisets of rows otherwise), else what differs, naming got
// gotName and want wantName.
func Diff(ordered bool, gotName string, got []string, wantName string, want []string) string {
	if !ordered {
		got, want = slices.Clone(got), slices.Clone(want)
		slices.Sort(got)
		slices.Sort(want)
	}
	if slices.Equal(got, want) {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "    %s: %d rows, %s: %d rows\n", gotName, len(got), wantName, len(want))
	if ordered {
		for i := 0; i < max(len(got), len(want)); i++ {
			g, m := "(none)", "(none)"
			if i < len(got) {
				g = got[i]
			}
			if i < len(want) {
				m = want[i]
			}
			if g != m {
				fmt.Fprintf(&b, "    row %d: %s %q, %s %q\n", i+1, gotName, g, wantName, m)
			}
		}
		return b.String()
	}
	onlyGot, onlyWant := multisetDiff(got, want)
	writeSome(&b, "only in "+gotName+"'s answer", onlyGot)
	writeSome(&b, "only in "+wantName+"'s answer", onlyWant)
	return b.String()
}

// Missing returns the rows of got not in want and of want not in got,
// as multisets; both sorted.
func Missing(got, want []string) (onlyGot, onlyWant []string) {
	got, want = slices.Clone(got), slices.Clone(want)
	slices.Sort(got)
	slices.Sort(want)
	return multisetDiff(got, want)
}

// multisetDiff returns the rows of a not in b and of b not in a; both
// sorted.
func multisetDiff(a, b []string) (onlyA, onlyB []string) {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i] < b[j]):
			onlyA = append(onlyA, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			onlyB = append(onlyB, b[j])
			j++
		default:
			i++
			j++
		}
	}
	return onlyA, onlyB
}

func writeSome(b *strings.Builder, label string, rows []string) {
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(b, "    %s (%d rows):\n", label, len(rows))
	for i, r := range rows {
		if i == 5 {
			fmt.Fprintf(b, "      … %d more\n", len(rows)-5)
			break
		}
		fmt.Fprintf(b, "      %q\n", r)
	}
}
