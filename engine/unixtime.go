package engine

import (
	"context"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/analyzer"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/expression/function"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"
	"github.com/dolthub/go-mysql-server/sql/types"

	"github.com/stripesql/stripesql/internal/timezone"
)

const unixTimeRuleID analyzer.RuleId = 10_003

// unixTimes lets Stripe's own time unit reach its time columns. Stripe
// speaks Unix seconds; users and tools (Grafana's $__unixEpochFilter)
// write `created >= 1704067200` or `UNIX_TIMESTAMP(created) >= …`. MySQL
// would reject the first (not a datetime) and the second cannot use an
// index, so both would read a whole list. A ten-digit integer (Unix
// seconds from 2001 to 2286; never a valid MySQL datetime number) compared
// with a DATETIME column, and UNIX_TIMESTAMP(column) compared with an
// integer, become comparisons of the column with the datetime the
// session's time zone shows at that instant (columns are TIMESTAMPs: see
// tables/sqltable/zone.go). UNIX_TIMESTAMP() of any other TIMESTAMP
// value reads it in the session's zone (zonedUnixTimestamp).
func unixTimes(ctx *sql.Context, _ *analyzer.Analyzer, n sql.Node, _ *plan.Scope, _ analyzer.RuleSelector, _ *sql.QueryFlags) (sql.Node, transform.TreeIdentity, error) {
	loc := timezone.Of(ctx)
	return transform.NodeExprs(n, func(e sql.Expression) (sql.Expression, transform.TreeIdentity, error) {
		switch e := e.(type) {
		case *function.UnixTimestamp:
			if e.Date != nil && types.IsTimestampType(e.Date.Type()) {
				return &zonedUnixTimestamp{UnixTimestamp: e}, transform.NewTree, nil
			}
		case function.CurrDate:
			return zonedCurDate{CurrDate: e}, transform.NewTree, nil
		case *function.FromUnixtime:
			return &zonedFromUnixtime{FromUnixtime: e}, transform.NewTree, nil
		case *function.ConvertTz:
			return &zonedConvertTz{ConvertTz: e}, transform.NewTree, nil
		case *function.Now:
			return &zonedNow{Now: e}, transform.NewTree, nil
		case *expression.Between:
			val, ok := datetimeOperand(e.Val, true)
			lo, lok := unixLiteral(e.Lower, val != e.Val, val.Type(), loc)
			hi, hok := unixLiteral(e.Upper, val != e.Val, val.Type(), loc)
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
				lit, ok := unixLiteral(other, c != col, c.Type(), loc)
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

// datetimeOperand returns the TIMESTAMP (or DATETIME) column an operand
// reads: the column itself, or the column inside UNIX_TIMESTAMP().
func datetimeOperand(e sql.Expression, unwrap bool) (sql.Expression, bool) {
	switch u := e.(type) {
	case *function.UnixTimestamp:
		if unwrap {
			e = u.Date
		}
	case *zonedUnixTimestamp: // rewritten already (children first)
		if unwrap {
			e = u.Date
		}
	}
	gf, ok := e.(*expression.GetField)
	return gf, ok && (types.IsTimestampType(gf.Type()) || types.IsDatetimeType(gf.Type()))
}

// unixLiteral converts an integer literal of Unix seconds to a datetime
// literal, the wall clock of that instant in loc (the session's zone);
// any integer when the column was unwrapped from UNIX_TIMESTAMP(), else
// only ten-digit ones. A string literal compared with the column itself
// becomes a datetime literal (datetimeLiteral).
func unixLiteral(e sql.Expression, anyInteger bool, colType sql.Type, loc *time.Location) (sql.Expression, bool) {
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
	w := time.Unix(n, 0).UTC()
	if types.IsTimestampType(colType) {
		w = timezone.Wall(w, loc)
	}
	return timeLiteral(w, colType), true
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
	return timeLiteral(t, colType), true
}

// timeLiteral is a literal of wall-clock time t compared with a column of
// colType: of the column's own type when it holds t (equal types compare
// precisely), else a DATETIME(6) (a fraction of a second, or a time
// beyond TIMESTAMP's range, which MySQL compares as a DATETIME too).
func timeLiteral(t time.Time, colType sql.Type) sql.Expression {
	if t.Nanosecond() == 0 {
		if _, _, err := colType.Convert(context.Background(), t); err == nil {
			return expression.NewLiteral(t, colType)
		}
	}
	return expression.NewLiteral(t, types.DatetimeMaxPrecision)
}

// zonedUnixTimestamp is UNIX_TIMESTAMP() of a TIMESTAMP value, which
// go-mysql-server reads as UTC (it holds TIMESTAMPs as UTC and never
// converts them); here the value is the session's wall clock, so it is
// read in the session's zone, as MariaDB reads a datetime (in the hour
// a zone repeats, its first occurrence).
type zonedUnixTimestamp struct {
	*function.UnixTimestamp
}

func (z *zonedUnixTimestamp) Eval(ctx *sql.Context, row sql.Row) (any, error) {
	v, err := z.Date.Eval(ctx, row)
	if err != nil || v == nil {
		return v, err
	}
	w, ok := v.(time.Time)
	if !ok {
		return z.UnixTimestamp.Eval(ctx, row)
	}
	t := timezone.Instant(w, timezone.Of(ctx)).UTC()
	inner, err := z.UnixTimestamp.WithChildren(expression.NewLiteral(t, z.Date.Type()))
	if err != nil {
		return nil, err
	}
	return inner.Eval(ctx, row)
}

func (z *zonedUnixTimestamp) WithChildren(children ...sql.Expression) (sql.Expression, error) {
	e, err := z.UnixTimestamp.WithChildren(children...)
	if err != nil {
		return nil, err
	}
	u, ok := e.(*function.UnixTimestamp)
	if !ok {
		return e, nil
	}
	return &zonedUnixTimestamp{UnixTimestamp: u}, nil
}

// zonedCurDate is CURDATE() (CURRENT_DATE) in the session's time zone, as
// NOW() is: go-mysql-server's is the host's date, so `created >=
// CURDATE()` would start "today" at the wrong midnight in any other zone.
type zonedCurDate struct {
	function.CurrDate
}

func (z zonedCurDate) Eval(ctx *sql.Context, _ sql.Row) (any, error) {
	return ctx.QueryTime().In(timezone.Of(ctx)).Format(time.DateOnly), nil
}

func (z zonedCurDate) WithChildren(children ...sql.Expression) (sql.Expression, error) {
	if len(children) != 0 {
		return nil, sql.ErrInvalidChildrenNumber.New(z, len(children), 0)
	}
	return z, nil
}

// zonedFromUnixtime is FROM_UNIXTIME() with the session zone's offset at
// that instant. go-mysql-server's (ConvertTimeZone) takes the offset in
// force at the UTC wall time read as local time, an hour off in the hours
// after a daylight saving change (FROM_UNIXTIME(1730611662) in New York
// gave 00:27:42 for 01:27:42 EDT).
type zonedFromUnixtime struct {
	*function.FromUnixtime
}

func (z *zonedFromUnixtime) Eval(ctx *sql.Context, row sql.Row) (any, error) {
	args := z.Children()
	v, err := args[0].Eval(ctx, row)
	if err != nil || v == nil {
		return nil, err
	}
	n, _, err := types.Int64.Convert(ctx, v)
	if err != nil || n == nil {
		return nil, err
	}
	sec := n.(int64)
	if sec < 0 || sec > function.MaxUnixTimeSecs {
		return nil, nil
	}
	w := timezone.Wall(time.Unix(sec, 0), timezone.Of(ctx))
	if len(args) == 1 {
		return w, nil
	}
	return function.NewDateFormat(expression.NewLiteral(w, types.DatetimeMaxPrecision), args[1]).Eval(ctx, row)
}

func (z *zonedFromUnixtime) WithChildren(children ...sql.Expression) (sql.Expression, error) {
	e, err := z.FromUnixtime.WithChildren(children...)
	if err != nil {
		return nil, err
	}
	f, ok := e.(*function.FromUnixtime)
	if !ok {
		return e, nil
	}
	return &zonedFromUnixtime{FromUnixtime: f}, nil
}

// zonedConvertTz is CONVERT_TZ() with the offsets in force at the instant
// converted: go-mysql-server's takes the target zone's offset at the wall
// time read in that zone, an hour off in the hours after a daylight
// saving change (Metabase converts every time column with CONVERT_TZ to
// its report time zone). As in MySQL, an unknown zone gives NULL and a
// value whose instant is beyond TIMESTAMP's range is returned unchanged.
type zonedConvertTz struct {
	*function.ConvertTz
}

func (z *zonedConvertTz) Eval(ctx *sql.Context, row sql.Row) (any, error) {
	args := z.Children()
	vals := make([]any, len(args))
	for i, a := range args {
		v, err := a.Eval(ctx, row)
		if err != nil {
			return nil, err
		}
		if v == nil {
			return nil, nil
		}
		vals[i] = v
	}
	w, ok := vals[0].(time.Time)
	if !ok {
		var err error
		if w, err = types.DatetimeMaxPrecision.ConvertWithoutRangeCheck(ctx, vals[0]); err != nil {
			return nil, nil
		}
	}
	from, fok := vals[1].(string)
	to, tok := vals[2].(string)
	if !fok || !tok {
		return nil, nil
	}
	fromLoc, err := timezone.Parse(from)
	if err != nil {
		return nil, nil
	}
	toLoc, err := timezone.Parse(to)
	if err != nil {
		return nil, nil
	}
	// A datetime, as MariaDB reads its argument: in an hour fromLoc
	// repeats, the first occurrence (w.UTC() drops Wall's mark).
	t := timezone.Instant(w.UTC(), fromLoc)
	if t.Unix() < 1 || t.Unix() > 1<<31-1 {
		return w.UTC(), nil
	}
	return timezone.Wall(t, toLoc), nil
}

func (z *zonedConvertTz) WithChildren(children ...sql.Expression) (sql.Expression, error) {
	e, err := z.ConvertTz.WithChildren(children...)
	if err != nil {
		return nil, err
	}
	c, ok := e.(*function.ConvertTz)
	if !ok {
		return e, nil
	}
	return &zonedConvertTz{ConvertTz: c}, nil
}

// zonedNow is NOW() (CURRENT_TIMESTAMP, LOCALTIME…) at the session zone's
// offset at the query's start: go-mysql-server's takes the offset at the
// host's wall time read as the session zone's (the ConvertTimeZone of
// FROM_UNIXTIME and CONVERT_TZ), an hour off in the hours after a
// daylight saving change. It stays a *function.Now inside, which
// go-mysql-server's DDL recognises; SYSDATE() and the other clock
// functions are replaced in the function registry (clock.go).
type zonedNow struct {
	*function.Now
}

func (z *zonedNow) Eval(ctx *sql.Context, row sql.Row) (any, error) {
	var prec sql.Expression
	if c := z.Children(); len(c) == 1 {
		prec = c[0]
	}
	fsp, err := fractionDigits(ctx, row, prec, "now")
	if err != nil {
		return nil, err
	}
	return wallNow(ctx.QueryTime(), timezone.Of(ctx), fsp), nil
}

func (z *zonedNow) WithChildren(children ...sql.Expression) (sql.Expression, error) {
	e, err := z.Now.WithChildren(children...)
	if err != nil {
		return nil, err
	}
	n, ok := e.(*function.Now)
	if !ok {
		return e, nil
	}
	return &zonedNow{Now: n}, nil
}
