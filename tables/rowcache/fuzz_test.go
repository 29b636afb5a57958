package rowcache

import (
	"testing"

	"github.com/dolthub/go-mysql-server/sql"
)

// fuzzLayouts are the layouts the fuzz targets decode for: the test
// table's (with a skipped and a JSON column) and the charges'.
var fuzzLayouts = []*Layout{testLayout(), chargeLayout()}

// FuzzDecode decodes any bytes as a block: Decode fails, or the block
// reads, patches, merges and encodes without panicking.
func FuzzDecode(f *testing.F) {
	seed := func(l int, b *Block) {
		data, err := b.Encode()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(l), data)
	}
	seed(0, buildAll())
	seed(0, buildAll(sample...))
	seed(0, buildAll(tied...).Patch(rowsOf([]r{{id: "x", created: 200, meta: `{"x":1}`}}), []string{"a"}))
	seed(1, buildRows(chargeLayout(), charges(8, 12)))
	b := NewBuilder(testLayout()) // a block with a tail
	for _, x := range sample {
		b.Add(x.row())
	}
	seed(0, b.Build(150, maxInt64))
	f.Fuzz(func(t *testing.T, layout uint8, data []byte) {
		l := fuzzLayouts[int(layout)%len(fuzzLayouts)]
		blk, err := Decode(l, data)
		if err != nil {
			return
		}
		readEverything(blk)
	})
}

// FuzzDecodeDelta decodes any bytes as a delta: DecodeDelta fails, or its
// rows patch a block.
func FuzzDecodeDelta(f *testing.F) {
	l := testLayout()
	for _, d := range []struct {
		upserts []sql.Row
		deletes []string
	}{
		{},
		{upserts: rowsOf(sample[:2]), deletes: []string{"ch_3"}},
		{upserts: rowsOf(tied)},
	} {
		data, err := EncodeDelta(l, d.upserts, d.deletes)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	base := buildAll(sample...)
	f.Fuzz(func(t *testing.T, data []byte) {
		up, del, err := DecodeDelta(l, data)
		if err != nil {
			return
		}
		readEverything(base.Patch(up, del))
	})
}
