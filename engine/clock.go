package engine

import (
	"fmt"
	"strings"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression/function"
	"github.com/dolthub/go-mysql-server/sql/types"

	"github.com/stripesql/stripesql/internal/timezone"
)

// The clock functions MySQL answers in the session's time zone, or in UTC,
// that go-mysql-server gets wrong: SYSDATE() and CURTIME() convert the
// host's time with the offset in force at the wrong instant (an hour off
// after a daylight saving change), UTC_TIMESTAMP() shows microseconds it
// was not asked for, and UTC_DATE() and UTC_TIME() do not exist. NOW(),
// CURRENT_TIMESTAMP and CURDATE() are rewritten by the unixTimes rule
// instead (go-mysql-server's DDL looks for its own NOW() in column
// defaults).
func init() {
	ours := map[string]sql.Function{}
	for _, c := range []clock{
		{name: "sysdate", part: clockDatetime, zoned: true, exact: true},
		{name: "curtime", part: clockTime, zoned: true},
		{name: "current_time", part: clockTime, zoned: true},
		{name: "utc_timestamp", part: clockDatetime},
		{name: "utc_time", part: clockTime},
		{name: "utc_date", part: clockDate},
	} {
		ours[c.name] = sql.FunctionN{Name: c.name, Fn: c.new}
	}
	var builtIns []sql.Function
	for _, f := range function.BuiltIns {
		if _, replaced := ours[f.FunctionName()]; !replaced {
			builtIns = append(builtIns, f)
		}
	}
	for _, f := range ours {
		builtIns = append(builtIns, f)
	}
	function.BuiltIns = builtIns
}

// sysdateNow is the clock SYSDATE() reads (a test fixes it).
var sysdateNow = sql.Now

// clockPart is what a clock function shows of the time.
type clockPart int

const (
	clockDatetime clockPart = iota
	clockDate
	clockTime
)

// clock is a function of the current time: the query's start time (as
// MySQL's NOW()), or for SYSDATE() the time at each call, shown in the
// session's zone or in UTC, with an optional number of fractional digits.
type clock struct {
	name  string
	part  clockPart
	zoned bool // the session's time zone, not UTC
	exact bool // the time of the call, not the query's start
	prec  sql.Expression
}

var _ sql.FunctionExpression = (*clock)(nil)

func (c clock) new(args ...sql.Expression) (sql.Expression, error) {
	if len(args) > 1 || len(args) == 1 && c.part == clockDate {
		want := "0 or 1"
		if c.part == clockDate {
			want = "0"
		}
		return nil, sql.ErrInvalidArgumentNumber.New(strings.ToUpper(c.name), want, len(args))
	}
	if len(args) == 1 {
		c.prec = args[0]
	}
	return &c, nil
}

func (c *clock) FunctionName() string { return c.name }
func (c *clock) Description() string  { return "returns the current " + c.name }
func (c *clock) IsNullable() bool     { return false }

// IsNonDeterministic keeps the analyzer from folding it to a constant.
func (c *clock) IsNonDeterministic() bool { return true }

func (c *clock) Resolved() bool { return c.prec == nil || c.prec.Resolved() }

func (c *clock) String() string {
	if c.prec == nil {
		return strings.ToUpper(c.name) + "()"
	}
	return fmt.Sprintf("%s(%s)", strings.ToUpper(c.name), c.prec)
}

func (c *clock) Type() sql.Type {
	switch {
	case c.part == clockDate:
		return types.Date
	case c.part == clockTime:
		return types.Time
	case c.prec == nil:
		return types.Datetime
	}
	return types.DatetimeMaxPrecision
}

func (c *clock) Children() []sql.Expression {
	if c.prec == nil {
		return nil
	}
	return []sql.Expression{c.prec}
}

func (c *clock) WithChildren(children ...sql.Expression) (sql.Expression, error) {
	if len(children) != len(c.Children()) {
		return nil, sql.ErrInvalidChildrenNumber.New(c, len(children), len(c.Children()))
	}
	nc := *c
	if len(children) == 1 {
		nc.prec = children[0]
	}
	return &nc, nil
}

func (c *clock) Eval(ctx *sql.Context, row sql.Row) (any, error) {
	fsp, err := fractionDigits(ctx, row, c.prec, c.name)
	if err != nil {
		return nil, err
	}
	at := ctx.QueryTime()
	if c.exact {
		at = sysdateNow()
	}
	loc := time.UTC
	if c.zoned {
		loc = timezone.Of(ctx)
	}
	w := wallNow(at, loc, fsp)
	switch c.part {
	case clockDate:
		return time.Date(w.Year(), w.Month(), w.Day(), 0, 0, 0, 0, time.UTC), nil
	case clockTime:
		return types.Time.ConvertToTimespan(w.Format("15:04:05.000000"))
	}
	return w, nil
}

// wallNow is instant at's wall clock in loc, as go-mysql-server holds a
// datetime (timezone.Wall), cut to fsp fractional digits.
func wallNow(at time.Time, loc *time.Location, fsp int) time.Time {
	unit := time.Second
	for range fsp {
		unit /= 10
	}
	w := timezone.Wall(at, loc)
	return w.Add(-time.Duration(w.Nanosecond()) % unit)
}

// fractionDigits is a clock function's precision argument: 0 to 6 (none
// is 0), as MySQL takes it.
func fractionDigits(ctx *sql.Context, row sql.Row, prec sql.Expression, name string) (int, error) {
	if prec == nil {
		return 0, nil
	}
	v, err := prec.Eval(ctx, row)
	if err != nil {
		return 0, err
	}
	n, ok := types.CoalesceInt(v)
	if !ok || n < 0 {
		return 0, sql.ErrInvalidArgumentType.New(name)
	}
	if n > 6 {
		return 0, function.ErrTooHighPrecision.New(n, strings.ToUpper(name), 6)
	}
	return n, nil
}
