package rowcache

import (
	"runtime"
	"testing"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/klauspost/compress/zstd"
)

// The benchmarks run on blocks of benchRows realistic charges (see
// charges_test.go), the size of the blocks an interval is cut into.
const benchRows = 2048

// benchBlock is a built block of charges, and its encoding.
func benchBlock(b *testing.B) (*Layout, []sql.Row, *Block, []byte) {
	b.Helper()
	l := chargeLayout()
	rows := charges(1, benchRows)
	blk := buildRows(l, rows)
	data, err := blk.Encode()
	if err != nil {
		b.Fatal(err)
	}
	return l, rows, blk, data
}

func perRow(b *testing.B, v float64, unit string) { b.ReportMetric(v/benchRows, unit) }

func BenchmarkBuild(b *testing.B) {
	l, rows, _, _ := benchBlock(b)
	b.ReportAllocs()
	for b.Loop() {
		buildRows(l, rows)
	}
}

func BenchmarkEncode(b *testing.B) {
	_, _, blk, data := benchBlock(b)
	b.ReportAllocs()
	for b.Loop() {
		blk.rows.encoded.Store(0)
		if _, err := blk.Encode(); err != nil {
			b.Fatal(err)
		}
	}
	perRow(b, float64(len(data)), "encoded-B/row")
	perRow(b, float64(chunkBytesOf(blk)), "json-B/row")
}

// BenchmarkDecode is the eager part of Decode: framing and created times.
func BenchmarkDecode(b *testing.B) {
	l, _, _, data := benchBlock(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(l, data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeColumn decodes one column of a block read back.
func BenchmarkDecodeColumn(b *testing.B) {
	l, _, _, data := benchBlock(b)
	for _, name := range []string{"amount", "currency", "id", "created", "fee_rate"} {
		b.Run(name, func(b *testing.B) {
			c := chargeCol(name)
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				blk, _ := Decode(l, data)
				b.StartTimer()
				blk.rows.column(c)
			}
		})
	}
}

// BenchmarkFillTwo reads two columns of every row: of a block read back
// from bytes for each pass (decoding them), and of a block held.
func BenchmarkFillTwo(b *testing.B) {
	l, _, built, data := benchBlock(b)
	need := make([]bool, l.Cols)
	need[chargeCol("currency")], need[chargeCol("amount")] = true, true
	dst := make(sql.Row, l.Cols)
	fill := func(blk *Block) {
		for i := 0; i < blk.Len(); i++ {
			blk.Fill(i, need, dst, nil)
		}
	}
	b.Run("decoded", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			blk, _ := Decode(l, data)
			fill(blk)
		}
		b.ReportMetric(float64(b.N*benchRows)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("held", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			fill(built)
		}
		b.ReportMetric(float64(b.N*benchRows)/b.Elapsed().Seconds(), "rows/s")
	})
}

// BenchmarkPatch puts one changed charge into a block: in place, and as
// a new charge.
func BenchmarkPatch(b *testing.B) {
	l, rows, blk, _ := benchBlock(b)
	blk.Find("") // the id index, made once per block
	changed := append(sql.Row(nil), rows[1000]...)
	changed[chargeCol("status")] = "refunded"
	fresh := charges(2, 1)[0]
	fresh[l.CreatedOrd] = rows[1000][l.CreatedOrd]
	for name, row := range map[string]sql.Row{"update": changed, "insert": fresh} {
		b.Run(name, func(b *testing.B) {
			up := []sql.Row{row}
			b.ReportAllocs()
			for b.Loop() {
				blk.Patch(up, nil)
			}
		})
	}
	b.Run("update-decoded", func(b *testing.B) { // Decode, and the first Patch: it makes the id index
		_, _, _, data := benchBlock(b)
		up := []sql.Row{changed}
		b.ReportAllocs()
		for b.Loop() {
			d, _ := Decode(l, data)
			d.Patch(up, nil)
		}
	})
	b.Run("update-patched", func(b *testing.B) {
		patched := blk
		for i := 0; i < 32; i++ {
			patched = patched.Patch([]sql.Row{rows[i*50]}, nil)
		}
		up := []sql.Row{changed}
		b.ReportAllocs()
		for b.Loop() {
			patched.Patch(up, nil)
		}
	})
}

// BenchmarkMerged folds an overlay of 64 changed rows into a block.
func BenchmarkMerged(b *testing.B) {
	l, rows, blk, _ := benchBlock(b)
	var up []sql.Row
	for i := 0; i < 64; i++ {
		row := append(sql.Row(nil), rows[i*30]...)
		row[chargeCol("amount_refunded")] = int64(i)
		up = append(up, row)
	}
	up = append(up, charges(3, 8)...)
	_ = l
	patched := blk.Patch(up, nil)
	b.ReportAllocs()
	for b.Loop() {
		patched.Merged()
	}
}

// BenchmarkHeld measures what a block holds: built, and read back with
// no column and with every column decoded; Size's estimate, and the
// heap's count of what the block keeps (its values included: the rows it
// is built of are made in the measure, and dropped).
func BenchmarkHeld(b *testing.B) {
	l, _, _, data := benchBlock(b)
	measure := func(b *testing.B, mk func() *Block) {
		heap, size := heldBytes(mk)
		for b.Loop() {
			mk()
		}
		b.ReportMetric(heap/benchRows, "heap-B/row")
		b.ReportMetric(size/benchRows, "Size-B/row")
	}
	b.Run("built", func(b *testing.B) { measure(b, func() *Block { return buildRows(l, charges(1, benchRows)) }) })
	b.Run("decoded", func(b *testing.B) {
		measure(b, func() *Block { blk, _ := Decode(l, bytesCopy(data)); return blk })
	})
	b.Run("decoded-all", func(b *testing.B) {
		measure(b, func() *Block {
			blk, _ := Decode(l, bytesCopy(data))
			for c := 0; c < l.Cols; c++ {
				blk.rows.column(c)
			}
			return blk
		})
	})
}

// heldBytes returns the heap a few blocks mk makes hold, and their Size,
// per block.
func heldBytes(mk func() *Block) (heap, size float64) {
	const held = 4
	blocks := make([]*Block, held)
	runtime.GC()
	runtime.GC() // pools hold on for one collection
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	for i := range blocks {
		blocks[i] = mk()
	}
	runtime.GC()
	runtime.ReadMemStats(&m1)
	for _, blk := range blocks {
		size += float64(blk.Size())
	}
	return (float64(m1.HeapAlloc) - float64(m0.HeapAlloc)) / held, size / held
}

func bytesCopy(b []byte) []byte { return append([]byte(nil), b...) }

// BenchmarkCompressionLevel builds and encodes a block at zstd's levels:
// time, and encoded bytes per row.
func BenchmarkCompressionLevel(b *testing.B) {
	l, rows, _, _ := benchBlock(b)
	saved := encoder
	defer func() { encoder = saved }()
	for _, level := range []zstd.EncoderLevel{zstd.SpeedFastest, zstd.SpeedDefault, zstd.SpeedBetterCompression} {
		b.Run(level.String(), func(b *testing.B) {
			encoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(level), zstd.WithEncoderConcurrency(1))
			var n int
			for b.Loop() {
				data, err := buildRows(l, rows).Encode()
				if err != nil {
					b.Fatal(err)
				}
				n = len(data)
			}
			perRow(b, float64(n), "encoded-B/row")
		})
	}
}

// BenchmarkGroupByFromBytes is a GROUP BY currency over a million charges
// read back from bytes: 489 blocks, each decoding its created times and
// the currency column only.
func BenchmarkGroupByFromBytes(b *testing.B) {
	l, _, _, data := benchBlock(b)
	const blocks = 1_000_000/benchRows + 1
	currency := chargeCol("currency")
	need := make([]bool, l.Cols)
	need[currency] = true
	dst := make(sql.Row, l.Cols)
	var held int64
	b.ReportAllocs()
	for b.Loop() {
		counts := map[any]int{}
		held = 0
		for k := 0; k < blocks; k++ {
			blk, err := Decode(l, data)
			if err != nil {
				b.Fatal(err)
			}
			for i := 0; i < blk.Len(); i++ {
				blk.Fill(i, need, dst, nil)
				counts[dst[currency]]++
			}
			held += blk.Size() - blk.EncodedSize()
			if cols := decodedColumns(blk); len(cols) != 1 || cols[0] != currency {
				b.Fatalf("decoded %v", cols)
			}
		}
	}
	b.ReportMetric(float64(b.N*blocks*benchRows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(held)/blocks/benchRows, "decoded-B/row")
}
