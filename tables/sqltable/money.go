package sqltable

import (
	"math"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/shopspring/decimal"

	"github.com/stripesql/stripesql/tables"
)

// major is one derived column and where its inputs are.
type major struct{ ord, src, cur int }

// majorsOf finds the derived columns of a schema.
func majorsOf(cols []tables.Column) []major {
	pos := map[string]int{}
	for i, c := range cols {
		pos[c.Name] = i
	}
	var out []major
	for i, c := range cols {
		if c.Kind == tables.KindMajor {
			out = append(out, major{ord: i, src: pos[strings.TrimSuffix(c.Name, tables.MajorSuffix)], cur: pos["currency"]})
		}
	}
	return out
}

// fillMajors computes the derived columns of a decoded row that need
// marks (all when nil): a decimal each, not worth making for a column the
// query does not read.
func (t *Table) fillMajors(row sql.Row, need []bool) {
	for _, m := range t.majors {
		if need != nil && !need[m.ord] {
			continue
		}
		amount, ok := row[m.src].(int64)
		cur, ok2 := row[m.cur].(string)
		if !ok || !ok2 {
			row[m.ord] = nil
			continue
		}
		row[m.ord] = majorValue(amount, cur)
	}
}

// majorValue is amount (in minor units of cur) in major units, at the
// column's scale as MariaDB keeps a DECIMAL(22,3) value: 640300.000 for
// 640300 JPY. The scale is the value's own in go-mysql-server: the text
// clients read, and what AVG rounds to (4 decimals more than its sum's,
// MySQL's 7 only when every value has 3).
func majorValue(amount int64, cur string) decimal.Decimal {
	shift := int64(1)
	for range tables.MajorScale - tables.MajorExponent(cur) {
		shift *= 10
	}
	if amount <= math.MaxInt64/shift && amount >= math.MinInt64/shift {
		return decimal.New(amount*shift, -tables.MajorScale)
	}
	return decimal.New(amount, -tables.MajorExponent(cur)).Round(tables.MajorScale)
}
