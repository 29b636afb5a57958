package rowcache

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/dolthub/go-mysql-server/sql"
)

// model is what a block should read as: its rows, newest first, put in
// and taken out one at a time the way Patch says.
type model []r

func (m model) find(id string) int {
	return slices.IndexFunc(m, func(x r) bool { return x.id == id })
}

// upsert replaces the row of x's id in its place when created is the
// same, and else puts x before the rows of its second.
func (m model) upsert(x r) model {
	if i := m.find(x.id); i >= 0 {
		if m[i].created == x.created {
			m[i] = x
			return m
		}
		m = slices.Delete(m, i, i+1)
	}
	at := slices.IndexFunc(m, func(y r) bool { return y.created <= x.created })
	if at < 0 {
		at = len(m)
	}
	return slices.Insert(m, at, x)
}

func (m model) remove(id string) model {
	if i := m.find(id); i >= 0 {
		return slices.Delete(m, i, i+1)
	}
	return m
}

// patch applies one Patch to the model.
func (m model) patch(upserts []r, deletes []string) model {
	m = slices.Clone(m)
	for _, x := range upserts {
		m = m.upsert(x)
	}
	for _, id := range deletes {
		m = m.remove(id)
	}
	return m
}

func rowsOf(xs []r) []sql.Row {
	out := make([]sql.Row, len(xs))
	for i, x := range xs {
		out[i] = x.row()
	}
	return out
}

// tied are rows with several of one second, to patch among.
var tied = []r{
	{id: "a", created: 300, amount: 1, currency: "usd", meta: `{"k":"a"}`},
	{id: "b", created: 200, amount: 2, currency: "eur"},
	{id: "c", created: 200, amount: 3, currency: "usd", meta: `{"k":"c"}`},
	{id: "d", created: 200, amount: 2, currency: "gbp", meta: `{}`},
	{id: "e", created: 100, amount: 5, currency: "usd"},
}

func TestPatch(t *testing.T) {
	tests := []struct {
		name    string
		upserts []r
		deletes []string
		want    string // ids, newest first
	}{
		{name: "an update keeps its place among its second", upserts: []r{{id: "c", created: 200, amount: 30, currency: "chf"}},
			want: "a b c d e"},
		{name: "an update of the last of its second", upserts: []r{{id: "d", created: 200, amount: 4, meta: `{"new":1}`}},
			want: "a b c d e"},
		{name: "an insert goes before the rows of its second", upserts: []r{{id: "x", created: 200, currency: "usd"}},
			want: "a x b c d e"},
		{name: "an insert between seconds", upserts: []r{{id: "x", created: 250}}, want: "a x b c d e"},
		{name: "an insert newest", upserts: []r{{id: "x", created: 999}}, want: "x a b c d e"},
		{name: "an insert oldest", upserts: []r{{id: "x", created: 1}}, want: "a b c d e x"},
		{name: "an update to another second moves", upserts: []r{{id: "c", created: 100, currency: "usd"}},
			want: "a b d c e"},
		{name: "an update from a second alone", upserts: []r{{id: "a", created: 200, currency: "usd"}}, want: "b a c d e"[0:0] + "a b c d e"},
		{name: "a delete", deletes: []string{"c"}, want: "a b d e"},
		{name: "a delete of an absent id", deletes: []string{"zz"}, want: "a b c d e"},
		{name: "every row deleted", deletes: []string{"a", "b", "c", "d", "e"}, want: ""},
		{name: "upserts in order: the later wins", upserts: []r{{id: "x", created: 200, amount: 1}, {id: "x", created: 200, amount: 2}},
			want: "a x b c d e"},
		{name: "two inserts of one second: the later first", upserts: []r{{id: "x", created: 200}, {id: "y", created: 200}},
			want: "a y x b c d e"},
		{name: "an insert then its delete", upserts: []r{{id: "x", created: 200}}, deletes: []string{"x"}, want: "a b c d e"},
		{name: "an update and a delete", upserts: []r{{id: "b", created: 200, amount: 9}}, deletes: []string{"d"}, want: "a b c e"},
		{name: "nothing", want: "a b c d e"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, base := range []*Block{buildAll(tied...), decoded(t, buildAll(tied...))} {
				before := readAll(t, base)
				got := base.Patch(rowsOf(tt.upserts), tt.deletes)
				if ids(got) != tt.want {
					t.Errorf("ids = %q, want %q", ids(got), tt.want)
				}
				want := model(tied).patch(tt.upserts, tt.deletes)
				checkModel(t, got, want)
				// The block patched reads as it did.
				if after := readAll(t, base); fmt.Sprint(after) != fmt.Sprint(before) {
					t.Errorf("the block patched changed:\n  %+v\nwas\n  %+v", after, before)
				}
			}
		})
	}
}

// checkModel checks a block against its model: its rows, and that it
// reads as a block built of the model's rows does.
func checkModel(t *testing.T, got *Block, want model) {
	t.Helper()
	if rows := readAll(t, got); fmt.Sprint(rows) != fmt.Sprint([]r(want)) {
		t.Fatalf("rows =\n  %+v\nwant\n  %+v", rows, []r(want))
	}
	checkBlock(t, got)
	sameBlock(t, got, buildAll(want...))
}

func TestPatchOfPatch(t *testing.T) {
	b := buildAll(tied...)
	m := model(tied)
	steps := []struct {
		upserts []r
		deletes []string
		overlay int
	}{
		{upserts: []r{{id: "x", created: 200, currency: "usd"}}, overlay: 1},
		{upserts: []r{{id: "c", created: 200, amount: 7, currency: "eur", meta: `{"v":2}`}}, overlay: 2},
		{upserts: []r{{id: "x", created: 150, currency: "jpy"}}, overlay: 2},
		{deletes: []string{"x"}, overlay: 1},
		{upserts: []r{{id: "c", created: 200, amount: 8}}, overlay: 1},
		{deletes: []string{"a", "e"}, overlay: 1},
		{upserts: []r{{id: "a", created: 300, meta: `{"back":true}`}}, overlay: 2},
	}
	for i, st := range steps {
		prev, prevRows := b, readAll(t, b)
		b = b.Patch(rowsOf(st.upserts), st.deletes)
		m = m.patch(st.upserts, st.deletes)
		checkModel(t, b, m)
		if b.Overlay() != st.overlay {
			t.Errorf("step %d: Overlay = %d, want %d", i, b.Overlay(), st.overlay)
		}
		if fmt.Sprint(readAll(t, prev)) != fmt.Sprint(prevRows) {
			t.Errorf("step %d: the block patched changed", i)
		}
	}
	merged := b.Merged()
	if merged.Overlay() != 0 {
		t.Errorf("Merged has an overlay of %d", merged.Overlay())
	}
	checkModel(t, merged, m)
	if plain := buildAll(tied...); plain.Merged() != plain {
		t.Error("Merged of a block as stored is not the block")
	}
}

// TestPatchRandomized applies random changes to random blocks, as Patch
// calls and as deltas, and checks every step against the model: each
// read method of the patched block, the block merged, and the block
// encoded, against a block built of the model's rows.
func TestPatchRandomized(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(seed, 9))
			gen := func(id string) r {
				x := r{id: id, created: int64(rnd.IntN(8)) * 10, amount: int64(rnd.IntN(5)), currency: []string{"usd", "eur", ""}[rnd.IntN(3)]}
				if rnd.IntN(3) > 0 {
					x.meta = fmt.Sprintf(`{"n":%d}`, rnd.IntN(6))
				}
				return x
			}
			var m model
			for i := 0; i < rnd.IntN(40); i++ {
				m = m.upsert(gen(fmt.Sprint("id", rnd.IntN(60))))
			}
			b := buildAll(m...)
			if seed%2 == 0 {
				b = decoded(t, b)
			}
			l := b.layout
			base, _ := b.Encode()
			var deltas [][]byte
			for step := 0; step < 25; step++ {
				var ups []r
				var dels []string
				for k := rnd.IntN(4); k >= 0; k-- {
					id := fmt.Sprint("id", rnd.IntN(60))
					switch rnd.IntN(4) {
					case 0: // an update in place, when the row is held
						if i := m.find(id); i >= 0 {
							x := gen(id)
							x.created = m[i].created
							ups = append(ups, x)
							continue
						}
						fallthrough
					case 1, 2:
						ups = append(ups, gen(id))
					case 3:
						dels = append(dels, id)
					}
				}
				b = b.Patch(rowsOf(ups), dels)
				m = m.patch(ups, dels)
				deltas = append(deltas, mustDelta(t, l, rowsOf(ups), dels))
				checkModel(t, b, m)
				if step%6 == 5 {
					checkModel(t, b.Merged(), m)
					checkModel(t, decoded(t, b), m)
					b = b.Merged() // on from the merged block
				}
			}
			// The block read back: its bytes and its deltas.
			back, err := Decode(l, base)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range deltas {
				up, del, err := DecodeDelta(l, d)
				if err != nil {
					t.Fatal(err)
				}
				back = back.Patch(up, del)
			}
			checkModel(t, back, m)
		})
	}
}

// TestPatchCharges patches realistic rows (every type a row holds) and
// compares with a block built of the same rows.
func TestPatchCharges(t *testing.T) {
	l := chargeLayout()
	rows := charges(11, 600)
	b := decoded(t, buildRows(l, rows))
	rnd := rand.New(rand.NewPCG(4, 4))
	fresh := charges(12, 40)
	current := slices.Clone(rows)
	for step := 0; step < 40; step++ {
		var ups []sql.Row
		var dels []string
		switch step % 3 {
		case 0: // an update in place
			i := rnd.IntN(len(current))
			row := slices.Clone(current[i])
			row[chargeCol("status")], row[chargeCol("amount_refunded")] = "refunded", int64(step)
			row[chargeCol("metadata")] = current[0][chargeCol("refunds")]
			current[i] = row
			ups = []sql.Row{row}
		case 1: // a new charge, created among the rows held
			row := fresh[step]
			row[l.CreatedOrd] = current[rnd.IntN(len(current))][l.CreatedOrd]
			at := slices.IndexFunc(current, func(x sql.Row) bool { return createdOf(x[l.CreatedOrd]) <= createdOf(row[l.CreatedOrd]) })
			current = slices.Insert(current, at, row)
			ups = []sql.Row{row}
		case 2: // a delete
			i := rnd.IntN(len(current))
			dels = []string{current[i][0].(string)}
			current = slices.Delete(current, i, i+1)
		}
		delta := mustDelta(t, l, ups, dels)
		up, del, err := DecodeDelta(l, delta)
		if err != nil {
			t.Fatal(err)
		}
		b = b.Patch(up, del)
	}
	want := buildRows(l, current)
	sameBlock(t, b, want)
	sameBlock(t, b.Merged(), want)
	sameBlock(t, decoded(t, b), want)
}

// Merged compresses a JSON column's values again when patches left many
// values no row reads, or many small chunks.
func TestMergedRechunks(t *testing.T) {
	var rows []r
	for i := 0; i < 400; i++ {
		rows = append(rows, r{id: fmt.Sprint("id", i), created: int64(400 - i), currency: "usd", meta: fmt.Sprintf(`{"n":%d}`, i)})
	}
	b := buildAll(rows...)
	m := model(rows)
	for round := 0; round < 30; round++ {
		var ups []r
		for k := 0; k < 20; k++ {
			i := (round*20 + k) % len(rows)
			ups = append(ups, r{id: m[i].id, created: m[i].created, currency: "eur", meta: fmt.Sprintf(`{"n":%d,"round":%d}`, i, round)})
		}
		b = b.Patch(rowsOf(ups), nil).Merged()
		m = m.patch(ups, nil)
	}
	checkModel(t, b, m)
	chunks := b.rows.cols[colMeta].chunks
	if len(chunks) > 10 || chunks.count() > 2*len(rows) {
		t.Errorf("%d chunks of %d values for %d rows", len(chunks), chunks.count(), len(rows))
	}
}

func TestDelta(t *testing.T) {
	l := chargeLayout()
	rows := charges(21, 3)
	tests := []struct {
		name    string
		upserts []sql.Row
		deletes []string
	}{
		{name: "nothing"},
		{name: "one upsert", upserts: rows[:1]},
		{name: "upserts and deletes", upserts: rows, deletes: []string{"ch_x", "", "ch_é"}},
		{name: "deletes only", deletes: []string{"ch_1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := mustDelta(t, l, tt.upserts, tt.deletes)
			up, del, err := DecodeDelta(l, data)
			if err != nil {
				t.Fatal(err)
			}
			if len(up) != len(tt.upserts) || !slices.Equal(del, tt.deletes) {
				t.Fatalf("%d upserts, deletes %q; want %d, %q", len(up), del, len(tt.upserts), tt.deletes)
			}
			for i, row := range tt.upserts {
				for c := range row {
					want := row[c]
					if l.skips(c) {
						want = nil
					}
					if !sameCell(up[i][c], want) {
						t.Errorf("upsert %d column %d = %s, want %s", i, c, cellString(up[i][c]), cellString(want))
					}
				}
			}
			if _, _, err := DecodeDelta(chargeLayout(), data[:len(data)-1]); err == nil && len(data) > 5 {
				t.Error("a delta cut short decodes")
			}
		})
	}
	if _, err := EncodeDelta(l, []sql.Row{{"short"}}, nil); err == nil {
		t.Error("EncodeDelta of a row of another length succeeds")
	}
	bad := charges(22, 1)[0]
	bad[chargeCol("risk")] = []byte("x")
	if _, err := EncodeDelta(l, []sql.Row{bad}, nil); err == nil {
		t.Error("EncodeDelta of a value of another type succeeds")
	}
	if _, _, err := DecodeDelta(testLayout(), mustDelta(t, l, rows, nil)); err == nil {
		t.Error("DecodeDelta for another layout succeeds")
	}
}

// Readers of a block read on while it is patched and merged.
func TestPatchConcurrent(t *testing.T) {
	b := buildAll(tied...)
	var wg sync.WaitGroup
	results := make(chan *Block, 4)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			p := b
			for k := 0; k < 30; k++ {
				p = p.Patch(rowsOf([]r{{id: fmt.Sprint("w", w, "-", k), created: int64(100 * (k % 4)), currency: "usd"}}), nil)
				if k%10 == 9 {
					p = p.Merged()
				}
				if got := len(b.Where(colCurrency, "usd")); got != 3 {
					t.Errorf("the block patched: Where = %d rows, want 3", got)
				}
			}
			results <- p
		}(w)
	}
	wg.Wait()
	close(results)
	for p := range results {
		if p.Len() != len(tied)+30 {
			t.Errorf("Len = %d, want %d", p.Len(), len(tied)+30)
		}
		checkBlock(t, p)
	}
}
