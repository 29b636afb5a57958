package sqltable

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dolthub/go-mysql-server/sql"

	"github.com/stripesql/stripesql/cache"
	"github.com/stripesql/stripesql/tables/rowcache"
)

// runLayout is id, created.
var runLayout = &rowcache.Layout{Cols: 2, IDOrd: 0, CreatedOrd: 1, Skip: make([]bool, 2), JSON: make([]bool, 2)}

func runRow(id string, created int64) sql.Row { return sql.Row{id, time.Unix(created, 0).UTC()} }

// fmtBlocks renders blocks as "[lo,hi)=ids(items)".
func fmtBlocks(blocks []cache.NewBlock) string {
	var out []string
	for _, nb := range blocks {
		b := nb.Value.(*rowcache.Block)
		var ids []string
		for i := 0; i < b.Len(); i++ {
			ids = append(ids, b.ID(i))
		}
		out = append(out, fmt.Sprintf("[%d,%d)=%s(%d)", nb.Lo, nb.Hi, strings.Join(ids, ","), nb.Items))
	}
	return strings.Join(out, " ")
}

// A run cuts rows arriving newest first into blocks of whole seconds,
// tiling its range from the top; a cut second ends a block too, even an
// empty one; a read stopped early keeps its oldest second as a tail.
func TestBlockRun(t *testing.T) {
	type in struct {
		id      string
		created int64
	}
	tests := []struct {
		name      string
		hi, cut   int64
		rows      []in
		lo, keep  int64 // end
		rowsLimit int
		want      string
		broken    bool
	}{
		{name: "one block", hi: 100, rows: []in{{"a", 90}, {"b", 50}, {"c", 10}}, lo: 0, keep: 0,
			want: "[0,100)=a,b,c(3)"},
		{name: "full blocks seal at a new second", hi: 100, rowsLimit: 2,
			rows: []in{{"a", 90}, {"b", 80}, {"c", 80}, {"d", 70}, {"e", 60}}, lo: 0, keep: 0,
			want: "[80,100)=a,b,c(3) [0,80)=d,e(2)"},
		{name: "ties stay in one block", hi: 100, rowsLimit: 1,
			rows: []in{{"a", 90}, {"b", 90}, {"c", 90}, {"d", 10}}, lo: 0, keep: 0,
			want: "[90,100)=a,b,c(3) [0,90)=d(1)"},
		{name: "a duplicate id is skipped", hi: 100, rows: []in{{"a", 90}, {"a", 90}, {"b", 80}}, lo: 0, keep: 0,
			want: "[0,100)=a,b(2)"},
		{name: "a read stopped early keeps its oldest second as a tail", hi: 100,
			rows: []in{{"a", 90}, {"b", 50}, {"c", 50}}, lo: 51, keep: 50,
			want: "[51,100)=a,b,c(1)"},
		{name: "the cut ends a block", hi: 100, cut: 60, rows: []in{{"a", 90}, {"b", 70}, {"c", 50}, {"d", 10}}, lo: 0, keep: 0,
			want: "[60,100)=a,b(2) [0,60)=c,d(2)"},
		{name: "the cut ends an empty block", hi: 100, cut: 60, rows: []in{{"c", 50}, {"d", 10}}, lo: 0, keep: 0,
			want: "[60,100)=(0) [0,60)=c,d(2)"},
		{name: "rows all above the cut", hi: 100, cut: 20, rows: []in{{"a", 90}, {"b", 70}}, lo: 0, keep: 0,
			want: "[0,100)=a,b(2)"},
		{name: "a row at or above the run's top breaks it", hi: 100, rows: []in{{"a", 90}, {"b", 100}}, lo: 0, keep: 0,
			broken: true},
		{name: "a row above a sealed block breaks it", hi: 100, rowsLimit: 1, rows: []in{{"a", 90}, {"b", 50}, {"c", 95}}, lo: 0, keep: 0,
			broken: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []cache.NewBlock
			r := newBlockRun(runLayout, tt.hi, func(nb cache.NewBlock) { got = append(got, nb) })
			r.cut = tt.cut
			if tt.rowsLimit > 0 {
				r.rowsPerBlock = tt.rowsLimit
			}
			for _, x := range tt.rows {
				r.add(runRow(x.id, x.created))
			}
			r.end(tt.lo, tt.keep)
			if r.broken != tt.broken {
				t.Fatalf("broken = %v, want %v", r.broken, tt.broken)
			}
			if tt.broken {
				return
			}
			if s := fmtBlocks(got); s != tt.want {
				t.Errorf("blocks %s\nwant   %s", s, tt.want)
			}
		})
	}
}
