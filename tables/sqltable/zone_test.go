package sqltable

import (
	"context"
	"testing"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"
)

// Rows leave in the session's zone, as copies; a time beyond TIMESTAMP's
// range (which would fail the whole result on the wire) shows as
// 0000-00-00 00:00:00 with one warning 1264 per scan, in UTC too.
func TestZonedOut(t *testing.T) {
	schema := sql.Schema{
		{Name: "id", Type: types.Text},
		{Name: "created", Type: types.Timestamp},
		{Name: "cancel_at", Type: types.Timestamp, Nullable: true},
	}
	in2040 := time.Unix(2208988800, 0).UTC() // 2040-01-01
	at := time.Unix(1730614458, 0).UTC()     // 2024-11-03 06:14:18 UTC
	for _, c := range []struct {
		zone          string
		row           sql.Row
		created, stop string
		warnings      int
	}{
		{"+00:00", sql.Row{"a", at, nil}, "2024-11-03 06:14:18", "", 0},
		{"+05:30", sql.Row{"a", at, nil}, "2024-11-03 11:44:18", "", 0},
		{"America/New_York", sql.Row{"a", at, at}, "2024-11-03 01:14:18", "2024-11-03 01:14:18", 0},
		{"+00:00", sql.Row{"a", at, in2040}, "2024-11-03 06:14:18", "0000-00-00 00:00:00", 1},
		{"-08:00", sql.Row{"a", time.Unix(3600, 0).UTC(), in2040}, "0000-00-00 00:00:00", "0000-00-00 00:00:00", 1},
	} {
		sess := sql.NewBaseSession()
		ctx := sql.NewContext(context.Background(), sql.WithSession(sess))
		if err := sess.SetSessionVariable(ctx, "time_zone", c.zone); err != nil {
			t.Fatal(err)
		}
		z := zonedFor(ctx, schema)
		orig := append(sql.Row(nil), c.row...)
		out := z.out(ctx, c.row)
		show := func(v any) string {
			if v == nil {
				return ""
			}
			s, err := types.Timestamp.SQL(ctx, nil, v)
			if err != nil {
				t.Fatalf("%s: %v does not go on the wire: %v", c.zone, v, err)
			}
			return s.ToString()
		}
		if got := show(out[1]); got != c.created {
			t.Errorf("%s: created %s, want %s", c.zone, got, c.created)
		}
		if got := show(out[2]); got != c.stop {
			t.Errorf("%s: cancel_at %s, want %s", c.zone, got, c.stop)
		}
		if n := len(ctx.Warnings()); n != c.warnings {
			t.Errorf("%s: %d warnings, want %d", c.zone, n, c.warnings)
		}
		for i := range orig {
			if orig[i] != c.row[i] {
				t.Errorf("%s: the row read was changed", c.zone)
			}
		}
	}
}

// BenchmarkZonedOut is the boundary's cost per row of charges' shape
// (four TIMESTAMP columns of 60): UTC checks ranges, other zones copy.
func BenchmarkZonedOut(b *testing.B) {
	schema := make(sql.Schema, 60)
	row := make(sql.Row, 60)
	for i := range schema {
		schema[i] = &sql.Column{Name: "c", Type: types.Text}
		row[i] = "x"
		if i%15 == 0 {
			schema[i].Type = types.Timestamp
			row[i] = time.Unix(1730614458+int64(i), 0).UTC()
		}
	}
	for _, zone := range []string{"+00:00", "+05:30", "America/New_York"} {
		b.Run(zone, func(b *testing.B) {
			sess := sql.NewBaseSession()
			ctx := sql.NewContext(context.Background(), sql.WithSession(sess))
			if err := sess.SetSessionVariable(ctx, "time_zone", zone); err != nil {
				b.Fatal(err)
			}
			z := zonedFor(ctx, schema)
			b.ReportAllocs()
			for b.Loop() {
				_ = z.out(ctx, row)
			}
		})
	}
}
