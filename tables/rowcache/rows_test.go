package rowcache

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"
	"github.com/shopspring/decimal"
)

// The test table: id, created, amount, currency, metadata (JSON), fee
// (a decimal), derived (not stored).
const (
	colID = iota
	colCreated
	colAmount
	colCurrency
	colMeta
	colFee
	colDerived
	nCols
)

func testLayout() *Layout {
	l := &Layout{Cols: nCols, IDOrd: colID, CreatedOrd: colCreated,
		Skip: make([]bool, nCols), JSON: make([]bool, nCols)}
	l.Skip[colDerived] = true
	l.JSON[colMeta] = true
	return l
}

// r is a row of the test table; meta "" is a NULL metadata.
type r struct {
	id       string
	created  int64
	amount   int64
	currency string
	meta     string
}

func (x r) row() sql.Row {
	row := make(sql.Row, nCols)
	row[colID] = x.id
	row[colCreated] = time.Unix(x.created, 0).UTC()
	row[colAmount] = x.amount
	if x.currency != "" {
		row[colCurrency] = x.currency
	}
	if x.meta != "" {
		row[colMeta] = types.NewLazyJSONDocument([]byte(x.meta))
	}
	row[colFee] = decimal.New(x.amount, -2)
	row[colDerived] = "derived-" + x.id
	return row
}

func build(rows []r, lo, hi int64) *Block {
	b := NewBuilder(testLayout())
	for _, x := range rows {
		b.Add(x.row())
	}
	return b.Build(lo, hi)
}

func buildAll(rows ...r) *Block { return build(rows, minInt64, maxInt64) }

func ids(b *Block) string {
	var out []string
	for i := 0; i < b.Len(); i++ {
		out = append(out, b.ID(i))
	}
	return strings.Join(out, " ")
}

// read returns row i of b as the test's r, with every stored column
// checked against the row it came from.
func read(t *testing.T, b *Block, i int) r {
	t.Helper()
	dst := make(sql.Row, nCols)
	var blobs *Blobs
	if b.HasJSON(nil) {
		blobs = b.Blobs()
	}
	b.Fill(i, nil, dst, blobs)
	var x r
	x.id, _ = dst[colID].(string)
	ts, ok := dst[colCreated].(time.Time)
	if !ok {
		t.Fatalf("row %d: created = %T %v, want a time.Time", i, dst[colCreated], dst[colCreated])
	}
	x.created = ts.Unix()
	if x.created != b.Created(i) {
		t.Errorf("row %d: created cell %d, Created %d", i, x.created, b.Created(i))
	}
	x.amount, _ = dst[colAmount].(int64)
	x.currency, _ = dst[colCurrency].(string)
	if dst[colMeta] != nil {
		x.meta = jsonText(t, dst[colMeta])
	}
	if fee, ok := dst[colFee].(decimal.Decimal); !ok || !fee.Equal(decimal.New(x.amount, -2)) {
		t.Errorf("row %d: fee = %v, want %v", i, dst[colFee], decimal.New(x.amount, -2))
	}
	if dst[colDerived] != nil {
		t.Errorf("row %d: skipped column = %v, want NULL", i, dst[colDerived])
	}
	return x
}

func jsonText(t *testing.T, v any) string {
	t.Helper()
	jb, ok := v.(types.JSONBytes)
	if !ok {
		t.Fatalf("JSON cell is %T, want types.JSONBytes", v)
	}
	bs, err := jb.GetBytes()
	if err != nil {
		t.Fatal(err)
	}
	return string(bs)
}

func readAll(t *testing.T, b *Block) []r {
	t.Helper()
	var out []r
	for i := 0; i < b.Len(); i++ {
		out = append(out, read(t, b, i))
	}
	return out
}

// checkBlock verifies a block's own consistency: newest first, ids
// unique and found where they are.
func checkBlock(t *testing.T, b *Block) {
	t.Helper()
	for i := 0; i < b.Len(); i++ {
		if i > 0 && b.Created(i) > b.Created(i-1) {
			t.Errorf("row %d created %d after row %d created %d: not newest first", i, b.Created(i), i-1, b.Created(i-1))
		}
		if got := b.Find(b.ID(i)); got != i {
			t.Errorf("Find(%q) = %d, want %d", b.ID(i), got, i)
		}
	}
	seen := map[string]bool{}
	for i := 0; i < b.Len(); i++ {
		if seen[b.ID(i)] {
			t.Errorf("id %q twice", b.ID(i))
		}
		seen[b.ID(i)] = true
	}
	if b.Size() < 0 || b.Len() > 0 && b.Size() == 0 {
		t.Errorf("Size = %d for %d rows", b.Size(), b.Len())
	}
}

var sample = []r{
	{id: "ch_1", created: 100, amount: 500, currency: "usd", meta: `{"a":1}`},
	{id: "ch_2", created: 300, amount: 700, currency: "eur", meta: `{"a":2}`},
	{id: "ch_3", created: 200, amount: 500, currency: "usd"},
	{id: "ch_4", created: 400, amount: 900, currency: "usd", meta: `{"a":1}`},
	{id: "ch_5", created: 200, amount: 100, currency: "gbp", meta: `{}`},
}

func TestBuilderAddRejectsDuplicateID(t *testing.T) {
	b := NewBuilder(testLayout())
	if !b.Add(r{id: "a", created: 1, amount: 1}.row()) {
		t.Fatal("first Add = false")
	}
	if !b.Add(r{id: "b", created: 2, amount: 2}.row()) {
		t.Fatal("Add of another id = false")
	}
	if b.Add(r{id: "a", created: 3, amount: 3}.row()) {
		t.Error("Add of a duplicate id = true")
	}
	if b.Len() != 2 {
		t.Errorf("Len = %d, want 2", b.Len())
	}
	blk := b.Build(minInt64, maxInt64)
	if got := ids(blk); got != "b a" {
		t.Errorf("ids = %q, want b a", got)
	}
	if got := read(t, blk, blk.Find("a")); got.amount != 1 || got.created != 1 {
		t.Errorf("a = %+v, want the first read (amount 1, created 1)", got)
	}
	checkBlock(t, blk)
}

func TestBuild(t *testing.T) {
	tests := []struct {
		name   string
		rows   []r
		lo, hi int64
		want   string
	}{
		{name: "newest first", rows: sample, lo: minInt64, hi: maxInt64, want: "ch_4 ch_2 ch_3 ch_5 ch_1"},
		{name: "ties keep the order they were added", rows: []r{{id: "x", created: 5}, {id: "y", created: 5}, {id: "z", created: 5}},
			lo: 0, hi: 10, want: "x y z"},
		{name: "lo is in, hi is out", rows: sample, lo: 200, hi: 400, want: "ch_2 ch_3 ch_5"},
		{name: "just the top", rows: sample, lo: 400, hi: 401, want: "ch_4"},
		{name: "nothing in range", rows: sample, lo: 500, hi: 600, want: ""},
		{name: "empty interval", rows: sample, lo: 200, hi: 200, want: ""},
		{name: "no rows", lo: minInt64, hi: maxInt64, want: ""},
		{name: "negative created (before 1970)", rows: []r{{id: "old", created: -100}, {id: "new", created: 100}},
			lo: -1000, hi: 0, want: "old"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := build(tt.rows, tt.lo, tt.hi)
			if got := ids(b); got != tt.want {
				t.Errorf("ids = %q, want %q", got, tt.want)
			}
			if got := len(strings.Fields(tt.want)); b.Len() != got {
				t.Errorf("Len = %d, want %d", b.Len(), got)
			}
			for _, x := range tt.rows {
				in := x.created >= tt.lo && x.created < tt.hi
				if i := b.Find(x.id); (i >= 0) != in {
					t.Errorf("Find(%q) = %d, in range %v", x.id, i, in)
				}
			}
			checkBlock(t, b)
		})
	}
}

func TestBuildCreatedAsInt64(t *testing.T) {
	b := NewBuilder(&Layout{Cols: 2, IDOrd: 0, CreatedOrd: 1})
	b.Add(sql.Row{"a", int64(10)})
	b.Add(sql.Row{"b", int64(30)})
	b.Add(sql.Row{"c", int64(20)})
	blk := b.Build(0, 100)
	if got := ids(blk); got != "b c a" {
		t.Errorf("ids = %q, want b c a", got)
	}
	if blk.Created(0) != 30 || blk.Cell(0, 1) != int64(30) {
		t.Errorf("Created(0), Cell(0, 1) = %d, %v; want 30", blk.Created(0), blk.Cell(0, 1))
	}
	if blk.HasJSON(nil) || blk.Blobs() != nil {
		t.Error("a layout with no JSON columns has JSON")
	}
}

func TestSpanAndCount(t *testing.T) {
	// created, newest first: 400 300 200 200 100
	b := buildAll(sample...)
	tests := []struct {
		lo, hi   int64
		from, to int
	}{
		{minInt64, maxInt64, 0, 5},
		{100, 401, 0, 5},
		{100, 400, 1, 5},
		{200, 300, 2, 4},
		{200, 201, 2, 4},
		{201, 300, 2, 2},
		{300, 301, 1, 2},
		{0, 100, 5, 5},
		{500, 600, 0, 0},
		{0, 50, 5, 5},
		{300, 200, 4, 4}, // inverted: empty
		{200, 200, 4, 4},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("[%d,%d)", tt.lo, tt.hi), func(t *testing.T) {
			from, to := b.Span(tt.lo, tt.hi)
			if from != tt.from || to != tt.to {
				t.Errorf("Span = %d, %d; want %d, %d", from, to, tt.from, tt.to)
			}
			if got := b.Count(tt.lo, tt.hi); got != tt.to-tt.from {
				t.Errorf("Count = %d, want %d", got, tt.to-tt.from)
			}
			for i := from; i < to; i++ {
				if c := b.Created(i); c < tt.lo || c >= tt.hi {
					t.Errorf("row %d created %d is outside [%d,%d)", i, c, tt.lo, tt.hi)
				}
			}
		})
	}
}

func TestFill(t *testing.T) {
	b := buildAll(sample...)
	want := map[string]r{}
	for _, x := range sample {
		want[x.id] = x
	}
	// All columns.
	for i, got := range readAll(t, b) {
		if got != want[got.id] {
			t.Errorf("row %d = %+v, want %+v", i, got, want[got.id])
		}
	}

	sentinel := "untouched"
	tests := []struct {
		name string
		need []bool
	}{
		{name: "id only", need: []bool{true, false, false, false, false, false, false}},
		{name: "amount and currency", need: []bool{false, false, true, true, false, false, false}},
		{name: "JSON only", need: []bool{false, false, false, false, true, false, false}},
		{name: "skipped column only", need: []bool{false, false, false, false, false, false, true}},
		{name: "none", need: make([]bool, nCols)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var blobs *Blobs
			if b.HasJSON(tt.need) {
				blobs = b.Blobs()
			}
			if tt.need[colMeta] != b.HasJSON(tt.need) {
				t.Errorf("HasJSON = %v, want %v", b.HasJSON(tt.need), tt.need[colMeta])
			}
			i := b.Find("ch_4")
			dst := make(sql.Row, nCols)
			for c := range dst {
				dst[c] = sentinel
			}
			b.Fill(i, tt.need, dst, blobs)
			full := sample[3].row()
			full[colDerived] = nil
			for c := range dst {
				switch {
				case !tt.need[c]:
					if dst[c] != sentinel {
						t.Errorf("column %d = %v, want it left as it was", c, dst[c])
					}
				case c == colMeta:
					if got := jsonText(t, dst[c]); got != `{"a":1}` {
						t.Errorf("metadata = %s, want {\"a\":1}", got)
					}
				case c == colCreated:
					if !dst[c].(time.Time).Equal(full[c].(time.Time)) {
						t.Errorf("created = %v, want %v", dst[c], full[c])
					}
				case c == colFee:
					if !dst[c].(decimal.Decimal).Equal(full[c].(decimal.Decimal)) {
						t.Errorf("fee = %v, want %v", dst[c], full[c])
					}
				default:
					if dst[c] != full[c] {
						t.Errorf("column %d = %v, want %v", c, dst[c], full[c])
					}
				}
			}
		})
	}
}

func TestJSONBlobs(t *testing.T) {
	tests := []struct {
		name    string
		metas   []string
		blobs   int // distinct JSON values
		hasJSON bool
	}{
		{name: "no JSON values", metas: []string{"", "", ""}, blobs: 0},
		{name: "one value repeated", metas: []string{`{"a":1}`, `{"a":1}`, `{"a":1}`}, blobs: 1, hasJSON: true},
		{name: "distinct values", metas: []string{`{"a":1}`, `{"a":2}`, `{}`}, blobs: 3, hasJSON: true},
		{name: "some NULL", metas: []string{`{"a":1}`, "", `[1,2,3]`}, blobs: 2, hasJSON: true},
		{name: "large and unicode", metas: []string{`{"k":"` + strings.Repeat("é☃x", 2000) + `"}`, `{"n":null}`, `"s"`},
			blobs: 3, hasJSON: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rows []r
			for i, m := range tt.metas {
				rows = append(rows, r{id: fmt.Sprint("id", i), created: int64(i), currency: "usd", meta: m})
			}
			b := buildAll(rows...)
			if b.HasJSON(nil) != tt.hasJSON {
				t.Errorf("HasJSON(nil) = %v, want %v", b.HasJSON(nil), tt.hasJSON)
			}
			blobs := b.Blobs()
			if blobs.Len() != tt.blobs {
				t.Errorf("%d blobs, want %d", blobs.Len(), tt.blobs)
			}
			if !tt.hasJSON && blobs != nil {
				t.Errorf("Blobs = %v, want nil", blobs)
			}
			if tt.hasJSON && chunkBytesOf(b) == 0 {
				t.Error("no compressed blobs held")
			}
			for _, x := range rows {
				if got := read(t, b, b.Find(x.id)); got.meta != x.meta {
					t.Errorf("%s metadata = %q, want %q", x.id, got.meta, x.meta)
				}
			}
			// A JSON cell is a fresh document per read.
			if tt.hasJSON {
				i := b.Find("id0")
				if tt.metas[0] == "" {
					i = b.Find("id1")
				}
				d1, d2 := make(sql.Row, nCols), make(sql.Row, nCols)
				b.Fill(i, nil, d1, blobs)
				b.Fill(i, nil, d2, b.Blobs())
				if d1[colMeta] == d2[colMeta] {
					t.Error("two reads of a JSON cell return the same document")
				}
			}
		})
	}
}

func TestJSONCompresses(t *testing.T) {
	// Many JSON objects of one kind: the blobs are smaller than the text.
	var rows []r
	text := 0
	for i := 0; i < 200; i++ {
		m := fmt.Sprintf(`{"order_id":"%06d","customer_name":"someone","plan":"premium_monthly","region":"eu-west"}`, i)
		text += len(m)
		rows = append(rows, r{id: fmt.Sprint("id", i), created: int64(i), meta: m})
	}
	b := buildAll(rows...)
	if z := chunkBytesOf(b); z >= int64(text/2) {
		t.Errorf("compressed blobs are %d bytes for %d bytes of JSON", chunkBytesOf(b), text)
	}
	if got := read(t, b, b.Find("id7")).meta; !strings.Contains(got, `"000007"`) {
		t.Errorf("id7 metadata = %s", got)
	}
}

func TestWhere(t *testing.T) {
	b := buildAll(sample...) // ch_4 ch_2 ch_3 ch_5 ch_1
	tests := []struct {
		name string
		col  int
		v    any
		want string
	}{
		{name: "a string held by several rows", col: colCurrency, v: "usd", want: "ch_4 ch_3 ch_1"},
		{name: "a string held by one row", col: colCurrency, v: "eur", want: "ch_2"},
		{name: "an absent string", col: colCurrency, v: "jpy", want: ""},
		{name: "an int64", col: colAmount, v: int64(500), want: "ch_3 ch_1"},
		{name: "an absent int64", col: colAmount, v: int64(501), want: ""},
		{name: "an int, not int64: no match", col: colAmount, v: 500, want: ""},
		{name: "by id", col: colID, v: "ch_5", want: "ch_5"},
		{name: "a value of another column", col: colID, v: "usd", want: ""},
		{name: "a time", col: colCreated, v: time.Unix(200, 0), want: "ch_3 ch_5"},
		{name: "a time in another zone", col: colCreated, v: time.Unix(300, 0).In(time.FixedZone("x", 3600)), want: "ch_2"},
		{name: "a decimal", col: colFee, v: decimal.RequireFromString("5.00"), want: "ch_3 ch_1"},
		{name: "nil", col: colCurrency, v: nil, want: ""},
		{name: "a skipped column", col: colDerived, v: "derived-ch_1", want: ""},
		{name: "a JSON column", col: colMeta, v: `{"a":1}`, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for round := 0; round < 2; round++ { // the second uses the index made by the first
				got := b.Where(tt.col, tt.v)
				var gotIDs []string
				for _, i := range got {
					gotIDs = append(gotIDs, b.ID(i))
				}
				if strings.Join(gotIDs, " ") != tt.want {
					t.Errorf("Where = %v (%v), want %s", got, gotIDs, tt.want)
				}
				if tt.want == "" && got != nil {
					t.Errorf("Where = %v, want nil", got)
				}
				for k := 1; k < len(got); k++ {
					if got[k] <= got[k-1] {
						t.Errorf("Where = %v, not in order", got)
					}
				}
			}
		})
	}
}

func TestWhereSharedDictionary(t *testing.T) {
	// One value in two columns is one dictionary entry; Where still
	// looks at the column asked.
	b := NewBuilder(&Layout{Cols: 3, IDOrd: 0, CreatedOrd: 1})
	b.Add(sql.Row{"a", int64(3), "x"})
	b.Add(sql.Row{"x", int64(2), "a"})
	b.Add(sql.Row{"c", int64(1), "x"})
	blk := b.Build(minInt64, maxInt64)
	if got := fmt.Sprint(blk.Where(2, "x")); got != "[0 2]" {
		t.Errorf("Where(2, x) = %s, want [0 2]", got)
	}
	if got := fmt.Sprint(blk.Where(0, "x")); got != "[1]" {
		t.Errorf("Where(0, x) = %s, want [1]", got)
	}
	if got := fmt.Sprint(blk.Where(2, "a")); got != "[1]" {
		t.Errorf("Where(2, a) = %s, want [1]", got)
	}
}

func TestFindAndID(t *testing.T) {
	b := buildAll(sample...)
	for _, x := range sample {
		i := b.Find(x.id)
		if i < 0 || b.ID(i) != x.id || b.Created(i) != x.created {
			t.Errorf("Find(%q) = %d (id %q, created %d), want created %d", x.id, i, b.ID(i), b.Created(i), x.created)
		}
	}
	for _, id := range []string{"", "ch_9", "CH_1", "ch_"} {
		if got := b.Find(id); got != -1 {
			t.Errorf("Find(%q) = %d, want -1", id, got)
		}
	}
}

func TestPatchOne(t *testing.T) {
	tests := []struct {
		name string
		id   string
		row  *r
		want []r // newest first
	}{
		{name: "replace in place", id: "ch_2",
			row:  &r{id: "ch_2", created: 300, amount: 701, currency: "usd", meta: `{"a":3}`},
			want: []r{sample[3], {id: "ch_2", created: 300, amount: 701, currency: "usd", meta: `{"a":3}`}, sample[2], sample[4], sample[0]}},
		{name: "replace with the same row", id: "ch_1", row: &sample[0],
			want: []r{sample[3], sample[1], sample[2], sample[4], sample[0]}},
		{name: "replace drops the JSON value", id: "ch_4",
			row:  &r{id: "ch_4", created: 400, amount: 900, currency: "usd"},
			want: []r{{id: "ch_4", created: 400, amount: 900, currency: "usd"}, sample[1], sample[2], sample[4], sample[0]}},
		{name: "replace with a new created moves the row", id: "ch_4",
			row:  &r{id: "ch_4", created: 150, amount: 900, currency: "usd", meta: `{"a":1}`},
			want: []r{sample[1], sample[2], sample[4], {id: "ch_4", created: 150, amount: 900, currency: "usd", meta: `{"a":1}`}, sample[0]}},
		{name: "insert in the middle", id: "ch_6",
			row:  &r{id: "ch_6", created: 250, amount: 1, currency: "chf", meta: `{"new":true}`},
			want: []r{sample[3], sample[1], {id: "ch_6", created: 250, amount: 1, currency: "chf", meta: `{"new":true}`}, sample[2], sample[4], sample[0]}},
		{name: "insert the newest", id: "ch_6",
			row:  &r{id: "ch_6", created: 1000, amount: 1, currency: "usd"},
			want: []r{{id: "ch_6", created: 1000, amount: 1, currency: "usd"}, sample[3], sample[1], sample[2], sample[4], sample[0]}},
		{name: "insert the oldest", id: "ch_6",
			row:  &r{id: "ch_6", created: 1, amount: 1, currency: "usd", meta: `{"a":1}`},
			want: []r{sample[3], sample[1], sample[2], sample[4], sample[0], {id: "ch_6", created: 1, amount: 1, currency: "usd", meta: `{"a":1}`}}},
		{name: "insert at a tie goes before the rows of its time", id: "ch_6",
			row:  &r{id: "ch_6", created: 200, amount: 1, currency: "usd"},
			want: []r{sample[3], sample[1], {id: "ch_6", created: 200, amount: 1, currency: "usd"}, sample[2], sample[4], sample[0]}},
		{name: "delete", id: "ch_2",
			want: []r{sample[3], sample[2], sample[4], sample[0]}},
		{name: "delete the only row with JSON of its kind", id: "ch_5",
			want: []r{sample[3], sample[1], sample[2], sample[0]}},
		{name: "delete an absent id", id: "ch_9",
			want: []r{sample[3], sample[1], sample[2], sample[4], sample[0]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := buildAll(sample...)
			before := readAll(t, orig)
			var row sql.Row
			if tt.row != nil {
				row = tt.row.row()
			}
			b := with(orig, tt.id, row)
			got := readAll(t, b)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("rows =\n  %+v\nwant\n  %+v", got, tt.want)
			}
			if b.Len() != len(tt.want) {
				t.Errorf("Len = %d, want %d", b.Len(), len(tt.want))
			}
			if tt.row == nil && b.Find(tt.id) != -1 {
				t.Errorf("Find(%q) = %d after delete, want -1", tt.id, b.Find(tt.id))
			}
			checkBlock(t, b)
			// Where indexes the new block's rows.
			for _, x := range tt.want {
				found := false
				for _, i := range b.Where(colCurrency, x.currency) {
					found = found || b.ID(i) == x.id
				}
				if !found {
					t.Errorf("Where(currency, %q) misses %s", x.currency, x.id)
				}
			}
			// The original block is unchanged.
			if after := readAll(t, orig); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("original block changed:\n  %+v\nwas\n  %+v", after, before)
			}
			checkBlock(t, orig)
		})
	}
}

func TestPatchChained(t *testing.T) {
	b := buildAll(sample...)
	b = with(b, "ch_6", r{id: "ch_6", created: 350, amount: 5, currency: "usd", meta: `{"b":1}`}.row())
	b = with(b, "ch_1", nil)
	b = with(b, "ch_6", r{id: "ch_6", created: 350, amount: 6, currency: "usd", meta: `{"b":2}`}.row())
	b = with(b, "ch_3", r{id: "ch_3", created: 200, amount: 500, currency: "usd", meta: `{"c":1}`}.row())
	want := []r{sample[3], {id: "ch_6", created: 350, amount: 6, currency: "usd", meta: `{"b":2}`}, sample[1],
		{id: "ch_3", created: 200, amount: 500, currency: "usd", meta: `{"c":1}`}, sample[4]}
	if got := readAll(t, b); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows =\n  %+v\nwant\n  %+v", got, want)
	}
	checkBlock(t, b)
}

func TestPatchFromEmpty(t *testing.T) {
	b := buildAll()
	if b.Len() != 0 {
		t.Fatalf("Len = %d", b.Len())
	}
	b = with(b, "a", r{id: "a", created: 1, currency: "usd", meta: `{"x":1}`}.row())
	if got := readAll(t, b); len(got) != 1 || got[0].meta != `{"x":1}` {
		t.Errorf("rows = %+v", got)
	}
	b = with(b, "a", nil)
	if b.Len() != 0 {
		t.Errorf("Len = %d after deleting the only row", b.Len())
	}
}

func TestSize(t *testing.T) {
	const n = 200
	var same, distinct []r
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("ch_%04d", i)
		same = append(same, r{id: id, created: int64(i), amount: 1000, currency: "usd", meta: `{"plan":"premium"}`})
		distinct = append(distinct, r{id: id, created: int64(i), amount: int64(1000 + i), currency: fmt.Sprintf("c%03d", i),
			meta: fmt.Sprintf(`{"plan":"premium-%d-%x"}`, i, i*7919)})
	}
	bs, bd := buildAll(same...), buildAll(distinct...)
	if bs.Size() <= 0 || bd.Size() <= 0 {
		t.Fatalf("sizes %d, %d; want positive", bs.Size(), bd.Size())
	}
	if bs.Size() >= bd.Size() {
		t.Errorf("Size with repeated values %d, with distinct ones %d; want smaller", bs.Size(), bd.Size())
	}
	if dictLen(bs) >= dictLen(bd) {
		t.Errorf("dictionary of %d entries with repeated values, %d with distinct ones", dictLen(bs), dictLen(bd))
	}
	// More rows are more bytes.
	if small := buildAll(same[:10]...); small.Size() >= bs.Size() {
		t.Errorf("Size of 10 rows %d, of %d rows %d", small.Size(), n, bs.Size())
	}
	// An empty block is smaller than one row.
	if one := buildAll(same[:1]...); buildAll().Size() >= one.Size() {
		t.Errorf("Size of no rows %d, of one %d", buildAll().Size(), one.Size())
	}
}

func TestConcurrentReads(t *testing.T) {
	b := buildAll(sample...)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for k := 0; k < 50; k++ {
				if got := len(b.Where(colCurrency, "usd")); got != 3 {
					t.Errorf("Where = %d rows, want 3", got)
					return
				}
				if got := len(b.Where(colAmount, int64(500))); got != 2 {
					t.Errorf("Where = %d rows, want 2", got)
					return
				}
				dst := make(sql.Row, nCols)
				b.Fill(w%b.Len(), nil, dst, b.Blobs())
			}
		}(w)
	}
	wg.Wait()
}

// JSON values beyond one chunk: each read finds its value in its chunk,
// also after Patch added a row to the block, and once that is merged (a
// chunk of its own).
func TestJSONAcrossChunks(t *testing.T) {
	var rows []r
	for i := 0; i < 3000; i++ {
		rows = append(rows, r{id: fmt.Sprintf("ch_%d", i), created: int64(i), currency: "usd",
			meta: fmt.Sprintf(`{"n":%d,"pad":"%s"}`, i, strings.Repeat(fmt.Sprint(i%10), 200))})
	}
	b := buildAll(rows...)
	if n := len(b.rows.cols[colMeta].chunks); n < 3 {
		t.Fatalf("%d chunks, want several", n)
	}
	b = with(b, "ch_new", r{id: "ch_new", created: 1500, currency: "usd", meta: `{"new":true}`}.row())
	for _, blk := range []*Block{b, b.Merged()} {
		for _, x := range append(rows, r{id: "ch_new", created: 1500, currency: "usd", meta: `{"new":true}`}) {
			if got := read(t, blk, blk.Find(x.id)); got.meta != x.meta {
				t.Fatalf("%s metadata = %.40q, want %.40q", x.id, got.meta, x.meta)
			}
		}
	}
}
