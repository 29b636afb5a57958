package engine

import (
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/analyzer"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/expression/function"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"
	"github.com/dolthub/go-mysql-server/sql/types"
)

const unixTimeRuleID analyzer.RuleId = 10_003

// unixTimes lets Stripe's own time unit reach its time columns. Stripe
// speaks Unix seconds; users and tools (Grafana's $__unixEpochFilter)
// write `created >= 1704067200` or `UNIX_TIMESTAMP(created) >= …`. MySQL
// would reject the first (not a datetime) and the second cannot use an
// index, so both would read a whole list. A ten-digit integer (Unix
// seconds from 2001 to 2286; never a valid MySQL datetime number) compared
// with a DATETIME column, and UNIX_TIMESTAMP(column) compared with an
// integer, become comparisons of the column with the UTC datetime.
func unixTimes(_ *sql.Context, _ *analyzer.Analyzer, n sql.Node, _ *plan.Scope, _ analyzer.RuleSelector, _ *sql.QueryFlags) (sql.Node, transform.TreeIdentity, error) {
	return transform.NodeExprs(n, func(e sql.Expression) (sql.Expression, transform.TreeIdentity, error) {
		switch e := e.(type) {
		case *expression.Between:
			val, ok := datetimeOperand(e.Val, true)
			lo, lok := unixLiteral(e.Lower, val != e.Val, val.Type())
			hi, hok := unixLiteral(e.Upper, val != e.Val, val.Type())
			if !ok || !lok || !hok {
				return e, transform.SameTree, nil
			}
			return expression.NewBetween(val, lo, hi), transform.NewTree, nil
		case expression.Comparer:
			for _, flip := range []bool{false, true} {
				col, other := e.Left(), e.Right()
				if flip {
					col, other = other, col
				}
				c, ok := datetimeOperand(col, true)
				if !ok {
					continue
				}
				lit, ok := unixLiteral(other, c != col, c.Type())
				if !ok {
					continue
				}
				args := []sql.Expression{c, lit}
				if flip {
					args[0], args[1] = lit, c
				}
				ne, err := e.WithChildren(args...)
				return ne, transform.NewTree, err
			}
		}
		return e, transform.SameTree, nil
	})
}

// datetimeOperand returns the DATETIME column an operand reads: the column
// itself, or the column inside UNIX_TIMESTAMP().
func datetimeOperand(e sql.Expression, unwrap bool) (sql.Expression, bool) {
	if u, ok := e.(*function.UnixTimestamp); ok && unwrap {
		e = u.Date
	}
	gf, ok := e.(*expression.GetField)
	return gf, ok && types.IsDatetimeType(gf.Type())
}

// unixLiteral converts an integer literal of Unix seconds to a UTC
// datetime literal; any integer when the column was unwrapped from
// UNIX_TIMESTAMP(), else only ten-digit ones. A string literal compared
// with the column itself becomes a datetime literal (datetimeLiteral).
func unixLiteral(e sql.Expression, anyInteger bool, colType sql.Type) (sql.Expression, bool) {
	lit, ok := e.(*expression.Literal)
	if ok && types.IsText(lit.Type()) && !anyInteger {
		return datetimeLiteral(lit, colType)
	}
	if !ok || !types.IsInteger(lit.Type()) {
		return nil, false
	}
	v, _, err := types.Int64.Convert(nil, lit.Value())
	if err != nil {
		return nil, false
	}
	n := v.(int64)
	if !anyInteger && (n < 1_000_000_000 || n >= 10_000_000_000) {
		return nil, false
	}
	return expression.NewLiteral(time.Unix(n, 0).UTC(), types.Datetime), true
}

// datetimeLiteral converts a string literal compared with a DATETIME
// column to the datetime MySQL compares it as (`created >= '2024-01-01'`
// is `created >= '2024-01-01 00:00:00'`). go-mysql-server would otherwise
// keep the comparison as a filter above the table and parse the string
// again for every row (most of the time of a warm range query); as a
// datetime literal it is a precise range the table answers alone. A
// string that is not a datetime stays as it is. A whole second takes the
// column's own type (a comparison of equal types is precise: no filter
// is left to run per row); a fraction keeps microseconds.
func datetimeLiteral(lit *expression.Literal, colType sql.Type) (sql.Expression, bool) {
	s, ok := lit.Value().(string)
	if !ok {
		return nil, false
	}
	v, _, err := types.DatetimeMaxPrecision.Convert(nil, s)
	t, ok := v.(time.Time)
	if err != nil || !ok {
		return nil, false
	}
	if t.Nanosecond() == 0 {
		return expression.NewLiteral(t, colType), true
	}
	return expression.NewLiteral(t, types.DatetimeMaxPrecision), true
}
