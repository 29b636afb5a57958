package rowcache

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"
	"github.com/shopspring/decimal"
)

// valueLayout is a table of id, created, and one column of values.
func valueLayout(json bool) *Layout {
	return &Layout{Cols: 3, IDOrd: 0, CreatedOrd: 1, Skip: make([]bool, 3), JSON: []bool{false, false, json}}
}

func TestEncodeRoundTripValues(t *testing.T) {
	utc := func(sec, nsec int64) time.Time { return time.Unix(sec, nsec).UTC() }
	bigCoef, _ := new(big.Int).SetString("-123456789012345678901234567890", 10)
	jsonDoc := func(s string) any { return types.NewLazyJSONDocument([]byte(s)) }
	tests := []struct {
		name   string
		json   bool // the column is a JSON column
		values []any
	}{
		{name: "NULL only", values: []any{nil, nil}},
		{name: "strings", values: []any{"usd", "", "é☃\x00x", strings.Repeat("long ", 300), "usd", nil}},
		{name: "int64", values: []any{int64(0), int64(-1), int64(math.MinInt64), int64(math.MaxInt64), int64(500), nil}},
		{name: "int8 booleans and extremes", values: []any{int8(0), int8(1), int8(-128), int8(127), nil}},
		{name: "int32", values: []any{int32(math.MinInt32), int32(math.MaxInt32), int32(7), nil}},
		{name: "uint64", values: []any{uint64(0), uint64(math.MaxUint64), nil}},
		{name: "float64", values: []any{0.0, 1.5, -2.25e300, math.Inf(1), math.Inf(-1), math.NaN(), nil}},
		{name: "negative zero", values: []any{math.Copysign(0, -1)}},
		{name: "bool", values: []any{true, false, nil}},
		{name: "time", values: []any{utc(1_700_000_000, 0), utc(0, 0), utc(-86400*365*100, 0), utc(1_700_000_000, 123456789),
			time.Unix(1_700_000_001, 0).In(time.FixedZone("x", 3600)).UTC(), nil}},
		{name: "decimal", values: []any{decimal.New(500, -2), decimal.New(-1, -30), decimal.Zero,
			decimal.NewFromBigInt(bigCoef, -7), decimal.New(12, 5), decimal.New(7, 0), nil}},
		{name: "JSON in a JSON column", json: true, values: []any{jsonDoc(`{"a":1}`), jsonDoc(`{}`), jsonDoc(`{"a":1}`),
			jsonDoc(`"é"`), jsonDoc(`[1,2,{"b":null}]`), nil}},
		{name: "JSON in another column", values: []any{jsonDoc(`{"a":1}`), jsonDoc(`[]`), nil}},
		{name: "every type in one column", values: []any{"s", int64(1), int8(1), int32(1), uint64(1), 1.0, true,
			utc(5, 6), decimal.New(1, -1), jsonDoc(`{"x":1}`), nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := valueLayout(tt.json)
			var rows []sql.Row
			for i, v := range tt.values {
				// Several rows per second, newest first, with ties.
				rows = append(rows, sql.Row{fmt.Sprint("id", i), utc(int64(1000-i/2), 0), v})
			}
			built := buildRows(l, rows)
			got := decoded(t, built)
			sameBlock(t, got, built)
			for i, v := range tt.values {
				dst := make(sql.Row, 3)
				got.Fill(got.Find(fmt.Sprint("id", i)), nil, dst, got.Blobs())
				if !sameCell(dst[2], v) {
					t.Errorf("value %d = %s, want %s", i, cellString(dst[2]), cellString(v))
				}
			}
			if got.EncodedSize() <= 0 || built.EncodedSize() != got.EncodedSize() {
				t.Errorf("EncodedSize = %d decoded, %d encoded", got.EncodedSize(), built.EncodedSize())
			}
		})
	}
}

// Values the engine holds equal (0 and -0, 5 and 5.00) are one entry of
// a column's dictionary, as they always were: the rows read the first
// one met. Matches finds them all.
func TestEngineEqualValuesAreOne(t *testing.T) {
	tests := []struct {
		name        string
		first, then any
	}{
		{name: "zeros", first: math.Copysign(0, -1), then: 0.0},
		{name: "decimals", first: decimal.New(500, -2), then: decimal.New(5, 0)},
		{name: "times in two zones", first: time.Unix(5, 0).UTC(), then: time.Unix(5, 0).In(time.FixedZone("x", 3600))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := valueLayout(false)
			b := decoded(t, buildRows(l, []sql.Row{{"a", time.Unix(2, 0).UTC(), tt.first}, {"b", time.Unix(1, 0).UTC(), tt.then}}))
			if got := b.Cell(1, 2); !sameCell(got, tt.first) {
				t.Errorf("second row = %s, want the first's %s", cellString(got), cellString(tt.first))
			}
			if rows, _ := b.Matches(2, tt.then); len(rows) != 2 {
				t.Errorf("Matches = %v, want both rows", rows)
			}
		})
	}
}

func TestEncodeRejectsOtherTypes(t *testing.T) {
	for _, v := range []any{[]byte("bytes"), int(5), uint8(3), struct{}{}, &types.JSONDocument{Val: map[string]any{}}} {
		t.Run(fmt.Sprintf("%T", v), func(t *testing.T) {
			blk := buildRows(valueLayout(false), []sql.Row{{"a", time.Unix(1, 0).UTC(), v}})
			if _, err := blk.Encode(); !errors.Is(err, errUnencodable) {
				t.Errorf("Encode error = %v, want errUnencodable", err)
			}
			// The block itself reads on.
			if got := blk.Cell(0, 2); fmt.Sprint(got) != fmt.Sprint(v) {
				t.Errorf("Cell = %v, want %v", got, v)
			}
		})
	}
}

func TestEncodeRoundTripCharges(t *testing.T) {
	l := chargeLayout()
	for _, n := range []int{0, 1, 300, 2048} {
		t.Run(fmt.Sprint(n, " rows"), func(t *testing.T) {
			built := buildRows(l, charges(7, n))
			got := decoded(t, built)
			sameBlock(t, got, built)
			// A block read back encodes to the bytes it was read from.
			data, _ := built.Encode()
			again, _ := got.Encode()
			if !bytes.Equal(data, again) {
				t.Error("a decoded block encodes to other bytes")
			}
		})
	}
}

func TestEncodeJSONAcrossChunks(t *testing.T) {
	var rows []r
	for i := 0; i < 3000; i++ {
		rows = append(rows, r{id: fmt.Sprintf("ch_%d", i), created: int64(i / 3), currency: "usd",
			meta: fmt.Sprintf(`{"n":%d,"pad":"%s"}`, i, strings.Repeat(fmt.Sprint(i%10), 200))})
	}
	built := buildAll(rows...)
	if n := len(built.rows.cols[colMeta].chunks); n < 3 {
		t.Fatalf("%d chunks, want several", n)
	}
	got := decoded(t, built)
	if !got.HasJSON(nil) || got.Blobs().Len() != 3000 {
		t.Errorf("HasJSON = %v, %d values; want true, 3000", got.HasJSON(nil), got.Blobs().Len())
	}
	sameBlock(t, got, built)
}

// A block built of a read stopped early keeps the rows of its oldest
// second below its interval (the tail, see withTails in sqltable): they
// are read back from bytes too.
func TestEncodeKeepsTails(t *testing.T) {
	b := NewBuilder(testLayout())
	for _, x := range sample {
		b.Add(x.row())
	}
	lo := int64(200) // the interval is [200, ∞); the rows of 100 are a tail
	built := b.Build(lo-100, maxInt64)
	got := decoded(t, built)
	if from, to := got.Span(lo-100, lo); to-from != 1 || got.ID(from) != "ch_1" {
		t.Errorf("tail = rows [%d, %d), want ch_1", from, to)
	}
	if got.Count(lo, maxInt64) != 4 {
		t.Errorf("Count of the interval = %d, want 4", got.Count(lo, maxInt64))
	}
	sameBlock(t, got, built)
}

// A block read back decodes a column when it is first read: a query pays
// for the columns it reads, and Size grows by them only.
func TestLazyDecode(t *testing.T) {
	l := chargeLayout()
	data, err := buildRows(l, charges(3, 500)).Encode()
	if err != nil {
		t.Fatal(err)
	}
	currency, amount, id := chargeCol("currency"), chargeCol("amount"), chargeCol("id")
	metadata := chargeCol("metadata")
	need := func(cols ...int) []bool {
		n := make([]bool, l.Cols)
		for _, c := range cols {
			n[c] = true
		}
		return n
	}
	tests := []struct {
		name string
		read func(b *Block)
		want []int // the columns decoded
	}{
		{name: "framing and created times only", read: func(b *Block) { b.Span(0, maxInt64); b.Created(3); b.Len() }},
		{name: "a GROUP BY currency reads currency", want: []int{currency}, read: func(b *Block) {
			dst := make(sql.Row, l.Cols)
			for i := 0; i < b.Len(); i++ {
				b.Fill(i, need(currency), dst, nil)
			}
		}},
		{name: "Cell", want: []int{amount}, read: func(b *Block) { b.Cell(7, amount) }},
		{name: "Matches", want: []int{currency}, read: func(b *Block) { b.Matches(currency, "eur") }},
		{name: "ID and Find read the ids", want: []int{id}, read: func(b *Block) { b.Find(b.ID(3)) }},
		{name: "JSON", want: []int{metadata}, read: func(b *Block) {
			b.Fill(0, need(metadata), make(sql.Row, l.Cols), b.Blobs())
		}},
		{name: "two columns", want: []int{amount, currency}, read: func(b *Block) {
			b.Fill(0, need(amount, currency), make(sql.Row, l.Cols), nil)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Decode(l, data)
			if err != nil {
				t.Fatal(err)
			}
			before := b.Size()
			if before < int64(len(data)) {
				t.Errorf("Size %d is less than the %d bytes it holds", before, len(data))
			}
			tt.read(b)
			if got := decodedColumns(b); !slices.Equal(got, tt.want) {
				t.Errorf("decoded columns %v, want %v", got, tt.want)
			}
			if grew := b.Size() > before; grew != (len(tt.want) > 0) {
				t.Errorf("Size %d → %d after decoding %v", before, b.Size(), tt.want)
			}
		})
	}
}

// Size grows by what each column decoded holds: a block with every
// column decoded holds about what a block built holds, and its bytes.
func TestSizeAfterDecode(t *testing.T) {
	l := chargeLayout()
	built := buildRows(l, charges(3, 1000))
	b := decoded(t, built)
	sizes := []int64{b.Size()}
	for c := 0; c < l.Cols; c++ {
		b.rows.column(c)
		if s := b.Size(); s < sizes[len(sizes)-1] {
			t.Errorf("Size fell from %d to %d decoding column %d", sizes[len(sizes)-1], s, c)
		}
		sizes = append(sizes, b.Size())
	}
	all := b.Size() - b.EncodedSize()
	if all < built.Size()/2 || all > 2*built.Size() {
		t.Errorf("decoded columns hold %d, a built block %d", all, built.Size())
	}
}

// Decode refuses bytes that are not a block's encoding, without
// panicking, whatever is cut or changed.
func TestDecodeMalformed(t *testing.T) {
	l := testLayout()
	data, err := buildAll(sample...).Encode()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		l    *Layout
	}{
		{name: "empty", data: nil},
		{name: "not a block", data: []byte("hello world")},
		{name: "a delta", data: mustDelta(t, l, []sql.Row{sample[0].row()}, nil)},
		{name: "another layout", data: data, l: chargeLayout()},
		{name: "trailing bytes", data: append(bytes.Clone(data), 0)},
		{name: "a huge row count", data: append(append([]byte("RCB1"), byte(nCols)), 0xff, 0xff, 0xff, 0xff, 0x0f)},
	}
	for n := 1; n < len(data); n++ {
		tests = append(tests, struct {
			name string
			data []byte
			l    *Layout
		}{name: fmt.Sprint("cut at ", n), data: data[:n]})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.l == nil {
				tt.l = l
			}
			if b, err := Decode(tt.l, tt.data); err == nil {
				t.Errorf("Decode = %d rows, want an error", b.Len())
			}
		})
	}
	// Every byte changed: an error, or a block that reads without
	// panicking (a column found malformed reads as NULL, and says so).
	for i := range data {
		changed := bytes.Clone(data)
		changed[i] ^= 0x5a
		if b, err := Decode(l, changed); err == nil {
			readEverything(b)
		}
	}
}

// readEverything reads all a block holds, the way queries and events do.
func readEverything(b *Block) {
	l := b.layout
	dst := make(sql.Row, l.Cols)
	blobs := b.Blobs()
	blobs.Len()
	b.HasJSON(nil)
	for i := 0; i < b.Len(); i++ {
		b.Fill(i, nil, dst, blobs)
		b.Find(b.ID(i))
		b.Span(b.Created(i), b.Created(i)+1)
		for c, v := range dst {
			b.Cell(i, c)
			b.Where(c, v)
		}
	}
	_ = b.Err()
	b.Size()
	if b.Len() > 0 {
		row := slices.Clone(dst)
		p := b.Patch([]sql.Row{row}, []string{b.ID(b.Len() - 1)})
		p.Merged().Encode()
	}
}

func mustDelta(t *testing.T, l *Layout, upserts []sql.Row, deletes []string) []byte {
	t.Helper()
	d, err := EncodeDelta(l, upserts, deletes)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Queries read one block at once: the first reads of a column, an index,
// the ids race, and every reader sees the same rows.
func TestConcurrentLazyReads(t *testing.T) {
	l := chargeLayout()
	rows := charges(5, 700)
	built := buildRows(l, rows)
	data, _ := built.Encode()
	for round := 0; round < 3; round++ {
		b, err := Decode(l, data)
		if err != nil {
			t.Fatal(err)
		}
		patched := b.Patch([]sql.Row{charges(6, 1)[0]}, []string{rows[10][0].(string)})
		var wg sync.WaitGroup
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				blk := b
				if w%2 == 1 {
					blk = patched
				}
				blobs := blk.Blobs()
				dst := make(sql.Row, l.Cols)
				for i := w; i < blk.Len(); i += 37 {
					blk.Fill(i, nil, dst, blobs)
					if got := blk.Find(blk.ID(i)); got != i {
						t.Errorf("Find = %d, want %d", got, i)
						return
					}
				}
				if rows, ok := blk.Matches(chargeCol("currency"), "usd"); !ok || len(rows) == 0 {
					t.Errorf("Matches = %d rows, %v", len(rows), ok)
				}
				if w == 0 {
					patched.Merged()
				}
			}(w)
		}
		wg.Wait()
		sameBlock(t, b, built)
	}
}
