package engine

import (
	"fmt"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/analyzer"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"
	"github.com/dolthub/go-mysql-server/sql/types"

	"github.com/stripesql/stripesql/internal/timezone"
)

const timestampWriteRuleID analyzer.RuleId = 10_022

// The rule runs with go-mysql-server's AlwaysBeforeDefault rules: an
// INSERT of literal values takes a short path of the analyzer (its
// getBatchesForNode) that runs those and none of the rules added with
// the analyzer builder.
func init() {
	analyzer.AlwaysBeforeDefault = append(analyzer.AlwaysBeforeDefault, analyzer.Rule{Id: timestampWriteRuleID, Apply: timestampWrites})
}

// timestampWrites refuses an INSERT … VALUES whose literal for a
// TIMESTAMP column names an instant beyond TIMESTAMP's range in the
// session's zone, before any row is written: MySQL's ERROR 1292 naming
// the column and the row, where go-mysql-server would write the rows
// before it and then fail with a message naming neither (its check is on
// the wall clock, as UTC). Values that are not literals are checked as
// each row reaches the table (sqltable's rowInZone).
func timestampWrites(ctx *sql.Context, _ *analyzer.Analyzer, n sql.Node, _ *plan.Scope, _ analyzer.RuleSelector, _ *sql.QueryFlags) (sql.Node, transform.TreeIdentity, error) {
	var err error
	transform.Inspect(n, func(n sql.Node) bool {
		ins, ok := n.(*plan.InsertInto)
		if !ok || err != nil {
			return err == nil
		}
		err = checkTimestampLiterals(ctx, ins)
		return false
	})
	return n, transform.SameTree, err
}

func checkTimestampLiterals(ctx *sql.Context, ins *plan.InsertInto) error {
	vals, ok := ins.Source.(*plan.Values)
	if !ok || ins.Destination == nil {
		return nil
	}
	schema := ins.Destination.Schema()
	names := ins.ColumnNames
	if len(names) == 0 {
		for _, c := range schema {
			names = append(names, c.Name)
		}
	}
	loc := timezone.Of(ctx)
	for r, tuple := range vals.ExpressionTuples {
		for i, e := range tuple {
			if i >= len(names) {
				break
			}
			at := schema.IndexOfColName(names[i])
			lit, isLit := e.(*expression.Literal)
			if at < 0 || !isLit || lit.Value() == nil || !types.IsTimestampType(schema[at].Type) {
				continue
			}
			w, err := types.DatetimeMaxPrecision.ConvertWithoutRangeCheck(ctx, lit.Value())
			if err != nil || w.Equal(time.Time{}) {
				continue // go-mysql-server's own error
			}
			if t := timezone.Instant(w, loc); !timezone.InRange(t) {
				zone, _ := ctx.GetSessionVariable(ctx, "time_zone")
				shown := fmt.Sprint(lit.Value())
				if v, ok := lit.Value().(time.Time); ok {
					shown = v.Format("2006-01-02 15:04:05.999999")
				}
				return timezone.OutOfRange(shown, schema[at].Name, r+1, fmt.Sprint(zone), t)
			}
		}
	}
	return nil
}
