package rowcache

import (
	"github.com/klauspost/compress/zstd"
)

// Compression: JSON values are compressed as a block is built (they are
// most of its bytes, and would otherwise be held as text); the other
// columns are compressed when a block is encoded, each on its own, so that
// a block read back decompresses only the columns a query reads.

var (
	// encoder compresses at zstd's fastest level: JSON chunks compress
	// nearly as well as at the default level, in half the time (see
	// BenchmarkCompressionLevel).
	encoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	// decoder never decodes more than the caller made room for (the
	// length the encoding says): hostile input cannot make it allocate.
	decoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecodeAllCapLimit(true))
)

// maxExpansion bounds how many times larger than its compressed bytes a
// section may say it is: a zstd frame expands at most 32,768 times (a
// run-length block: 128 KiB in 4 bytes), so a larger claim is a lie, and
// believing it would allocate for nothing. What a frame truly expands to
// is the most hostile bytes can make a decoder allocate.
const maxExpansion = 1 << 15

// minCompressed is the least a section must hold to be compressed: a
// zstd frame takes a dozen bytes by itself.
const minCompressed = 64

// Section modes: how a section's bytes are kept.
const (
	sectionRaw  byte = 1 // as they are: compressing did not help
	sectionZstd byte = 2
)

// section is a part of an encoding, compressed or not, not yet read.
type section struct {
	mode byte
	raw  int    // length once decompressed
	data []byte // the bytes as encoded
}

// appendSection appends raw as a section: mode, length, and the bytes,
// compressed when that makes them smaller.
func appendSection(dst, raw []byte) []byte {
	var z []byte
	if len(raw) >= minCompressed {
		z = encoder.EncodeAll(raw, nil)
	}
	if z == nil || len(z) >= len(raw) {
		dst = append(dst, sectionRaw)
		return appendBytes(dst, raw)
	}
	dst = appendBytes(append(dst, sectionZstd), z)
	return appendUvarint(dst, len(raw))
}

// readSection reads a section's framing; its bytes are read by open.
func (r *reader) section() section {
	s := section{mode: r.byte(), data: r.bytes()}
	switch s.mode {
	case sectionRaw:
		s.raw = len(s.data)
	case sectionZstd:
		s.raw = checkFrame(r, s.data, r.size())
	default:
		r.fail("unknown section mode")
	}
	return s
}

// checkFrame checks that a zstd frame can decompress to raw bytes (its
// header says so, when it says: zstd leaves it out of small frames), and
// that this is believable; it returns raw, or 0 after r.fail.
func checkFrame(r *reader, z []byte, raw int) int {
	var h zstd.Header
	if err := h.Decode(z); err != nil || h.Skippable || h.HasFCS && h.FrameContentSize != uint64(raw) {
		r.fail("bad zstd frame")
		return 0
	}
	if raw/maxExpansion > len(z) {
		r.fail("section expands beyond belief")
		return 0
	}
	return raw
}

// open returns a section's bytes, the caller's to keep: decompressed, or
// copied (so that what is read from them never aliases the encoding).
func (s section) open() ([]byte, error) {
	if s.mode == sectionRaw {
		return append([]byte(nil), s.data...), nil
	}
	return decompress(s.data, s.raw)
}

// decompress decompresses a frame of raw bytes, into exactly that room.
func decompress(z []byte, raw int) ([]byte, error) {
	out, err := decoder.DecodeAll(z, make([]byte, 0, raw))
	if err != nil {
		return nil, malformed("zstd: " + err.Error())
	}
	if len(out) != raw {
		return nil, malformed("section length")
	}
	return out, nil
}
