package sqltable

import (
	"fmt"
	"slices"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"

	"github.com/stripesql/stripesql/internal/timezone"
)

// Unix-time columns are TIMESTAMPs: instants shown in the session's
// time_zone. go-mysql-server holds a TIMESTAMP as the wall clock a client
// sees and converts nothing, so the table does, at its boundary: rows and
// range keys are instants (UTC) inside, rows leave as the session's wall
// clock (zoned.out), and the wall-clock keys of a lookup become instants
// before anything is planned or checked (inZone). A session in UTC (the
// default) costs nothing but a range check per value.

var (
	// minTimestamp and maxTimestamp bound what go-mysql-server sends as a
	// TIMESTAMP (MySQL's range: 1970-01-01 00:00:01 to 2038-01-19
	// 03:14:07 UTC, compared on the wall clock); beyond it the value
	// would fail the whole result.
	minTimestamp = time.Unix(1, 0).UTC()
	maxTimestamp = time.Unix(1<<31-1, 999_999_999).UTC()
	// zeroTimestamp is 0000-00-00 00:00:00, what MySQL stores for a
	// TIMESTAMP out of its range.
	zeroTimestamp = time.Unix(-62167219200, 0).UTC()
)

// zoned converts the time columns of a table's output rows.
type zoned struct {
	loc    *time.Location // nil: UTC, no conversion
	ords   []int          // positions of the TIMESTAMP columns in a row
	names  []string       // their names, for the warning
	warned bool
}

// zonedFor is the conversion for rows of schema (the columns returned)
// in the session's time zone.
func zonedFor(ctx *sql.Context, schema sql.Schema) *zoned {
	z := &zoned{}
	for i, c := range schema {
		if types.IsTimestampType(c.Type) {
			z.ords = append(z.ords, i)
			z.names = append(z.names, c.Name)
		}
	}
	if len(z.ords) == 0 {
		return nil
	}
	if loc := timezone.Of(ctx); !timezone.IsUTC(loc) {
		z.loc = loc
	}
	return z
}

// out returns row with its instants as the session's wall clock: a copy
// when a value changes (rows may be shared by the caches).
func (z *zoned) out(ctx *sql.Context, row sql.Row) sql.Row {
	if z == nil {
		return row
	}
	copied := false
	for n, o := range z.ords {
		t, ok := row[o].(time.Time)
		if !ok {
			continue
		}
		w := t
		if z.loc != nil {
			w = timezone.Wall(t, z.loc)
		}
		if w.Before(minTimestamp) || w.After(maxTimestamp) {
			if !z.warned && ctx != nil {
				z.warned = true
				ctx.Warn(1264, "Out of range value for column '%s': %s is outside TIMESTAMP's range (1970-01-01 00:00:01 to 2038-01-19 03:14:07 UTC) and shows as 0000-00-00 00:00:00", z.names[n], t.UTC().Format(time.RFC3339))
			}
			w = zeroTimestamp
		} else if z.loc == nil {
			continue
		}
		if !copied {
			row, copied = slices.Clone(row), true
		}
		row[o] = w
	}
	return row
}

// InZone is inZone for a caller describing a lookup (EXPLAIN).
func InZone(ctx *sql.Context, l sql.IndexLookup) sql.IndexLookup { return inZone(ctx, l) }

// (Keys arrive as DATETIME(6) values: see index.ColumnExpressionTypes.)

// inZone returns a lookup whose keys on TIMESTAMP columns, wall-clock
// times of the session's zone, are the instants they name (see
// timezone.Instant): the form the plan's Stripe parameters and the
// checks of rows against the ranges need.
func inZone(ctx *sql.Context, l sql.IndexLookup) sql.IndexLookup {
	rc, ok := l.Ranges.(sql.MySQLRangeCollection)
	ix, isOurs := l.Index.(*index)
	if !ok || !isOurs {
		return l
	}
	loc := timezone.Of(ctx)
	if timezone.IsUTC(loc) {
		return l
	}
	out := make(sql.MySQLRangeCollection, len(rc))
	for i, r := range rc {
		nr := slices.Clone(r)
		for n, ce := range nr {
			if n < len(ix.types) && types.IsTimestampType(ix.types[n]) {
				nr[n].LowerBound = cutInZone(ce.LowerBound, loc)
				nr[n].UpperBound = cutInZone(ce.UpperBound, loc)
			}
		}
		out[i] = nr
	}
	l.Ranges = out
	return l
}

func cutInZone(c sql.MySQLRangeCut, loc *time.Location) sql.MySQLRangeCut {
	switch c := c.(type) {
	case sql.Below:
		if t, ok := c.Key.(time.Time); ok {
			c.Key = timezone.Instant(t, loc).UTC()
		}
		return c
	case sql.Above:
		if t, ok := c.Key.(time.Time); ok {
			c.Key = timezone.Instant(t, loc).UTC()
		}
		return c
	}
	return c
}

// rowInZone returns a written row (wall-clock times of the session's
// zone in its TIMESTAMP columns) with instants instead, as Stripe takes
// them: a copy when a value changes. An instant beyond TIMESTAMP's range
// is MySQL's ERROR 1292 before anything is sent: go-mysql-server checks
// the wall clock alone, so in a zone west of UTC '1970-01-01 01:00:00'
// would reach Stripe as a negative Unix time.
func (t *Table) rowInZone(ctx *sql.Context, row sql.Row) (sql.Row, error) {
	if row == nil {
		return row, nil
	}
	loc := timezone.Of(ctx)
	copied := false
	for i, c := range t.schema.Schema {
		v, ok := row[i].(time.Time)
		if !ok || !types.IsTimestampType(c.Type) || v.Equal(zeroTimestamp) {
			continue
		}
		at := timezone.Instant(v, loc).UTC()
		if !timezone.InRange(at) {
			zone, _ := ctx.GetSessionVariable(ctx, "time_zone")
			return nil, timezone.OutOfRange(v.Format("2006-01-02 15:04:05.999999"), c.Name, 0, fmt.Sprint(zone), at)
		}
		if at.Equal(v) {
			continue
		}
		if !copied {
			row, copied = slices.Clone(row), true
		}
		row[i] = at
	}
	return row, nil
}
