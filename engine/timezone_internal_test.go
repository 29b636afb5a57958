package engine

import (
	"context"
	"testing"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/expression/function"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/types"
)

// zoneContext is a session in zone whose query started at `at`.
func zoneContext(t *testing.T, zone string, at time.Time) *sql.Context {
	t.Helper()
	sess := sql.NewBaseSession()
	ctx := sql.NewContext(context.Background(), sql.WithSession(sess))
	if err := sess.SetSessionVariable(ctx, "time_zone", zone); err != nil {
		t.Fatal(err)
	}
	ctx.SetQueryTime(at)
	return ctx
}

// The time functions go-mysql-server converts with the offset in force at
// the wrong instant, checked in the hours after New York's clock changes
// (where they were an hour off) and away from them.
func TestZonedTimeFunctions(t *testing.T) {
	lit := func(v any, typ sql.Type) sql.Expression { return expression.NewLiteral(v, typ) }
	for _, at := range []int64{
		1730611662, // 2024-11-03 01:27:42 EDT, before the second 01:00
		1730614458, // 2024-11-03 01:14:18 EST, the repeated hour
		1730619000, // 2024-11-03 02:30 EST
		1710054000, // 2024-03-10 03:00 EDT, the change
		1710060000, // 2024-03-10 04:40 EDT
		1720108800, // 2024-07-04 12:00 EDT
		1704081600, // 2024-01-01 04:00 UTC, 2023-12-31 in New York
	} {
		instant := time.Unix(at, 0)
		nyc, _ := time.LoadLocation("America/New_York")
		want := instant.In(nyc).Format(time.DateTime)
		ctx := zoneContext(t, "America/New_York", instant)
		now, _ := function.NewNow()
		fromUnix, _ := function.NewFromUnixtime(lit(at, types.Int64))
		convert := function.NewConvertTz(lit(instant.UTC().Format(time.DateTime), types.Text), lit("+00:00", types.Text), lit("America/New_York", types.Text))
		for _, c := range []struct {
			name string
			e    sql.Expression
			want string
		}{
			{"NOW()", now, want},
			{"FROM_UNIXTIME", fromUnix, want},
			{"CONVERT_TZ", convert, want},
			{"CURDATE()", function.NewCurrDate(), want[:10]},
		} {
			rewritten, _, err := unixTimes(ctx, nil, dualProject(c.e), nil, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			e := rewritten.(interface{ Expressions() []sql.Expression }).Expressions()[0]
			v, err := e.Eval(ctx, nil)
			if err != nil {
				t.Fatalf("%s at %d: %v", c.name, at, err)
			}
			got := ""
			switch v := v.(type) {
			case time.Time:
				got = v.Format(time.DateTime)
			case string:
				got = v
			}
			if got != c.want {
				t.Errorf("%s at %s: %s, want %s", c.name, instant.UTC().Format(time.DateTime), got, c.want)
			}
		}
	}
}

// dualProject is SELECT e, for the rule to rewrite.
func dualProject(e sql.Expression) sql.Node {
	return plan.NewProject([]sql.Expression{e}, plan.NewResolvedDualTable())
}
