package rowcache

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"time"
	"unsafe"

	"github.com/shopspring/decimal"
)

// errMalformed is the error of bytes that are not an encoding.
var errMalformed = errors.New("rowcache: malformed encoding")

func malformed(what string) error { return fmt.Errorf("%w: %s", errMalformed, what) }

// reader reads an encoding, remembering the first error: the caller
// checks err once after reading a whole part.
type reader struct {
	buf []byte
	// text is buf as a string, when the reader owns buf and never changes
	// it: strings read are slices of it, not copies.
	text string
	pos  int
	err  error
}

// newOwnedReader reads buf, which nothing changes afterwards: strings
// read share its memory.
func newOwnedReader(buf []byte) *reader {
	return &reader{buf: buf, text: unsafe.String(unsafe.SliceData(buf), len(buf))}
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = malformed(what)
	}
	r.pos = len(r.buf)
}

func (r *reader) left() int { return len(r.buf) - r.pos }

func (r *reader) byte() byte {
	if r.pos >= len(r.buf) {
		r.fail("truncated")
		return 0
	}
	b := r.buf[r.pos]
	r.pos++
	return b
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.buf[r.pos:])
	if n <= 0 {
		r.fail("bad varint")
		return 0
	}
	r.pos += n
	return v
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.buf[r.pos:])
	if n <= 0 {
		r.fail("bad varint")
		return 0
	}
	r.pos += n
	return v
}

// count reads a number of things that each take at least per bytes of
// what is left, so that what it sizes cannot exceed the input.
func (r *reader) count(per int) int {
	n := r.uvarint()
	if n > uint64(r.left()/per) {
		r.fail("count larger than the data")
		return 0
	}
	return int(n)
}

// size reads a length that is not bounded by the input (what a section
// decompresses to); the caller checks it is believable.
func (r *reader) size() int {
	n := r.uvarint()
	if n > 1<<40 {
		r.fail("length out of range")
		return 0
	}
	return int(n)
}

// bytes reads a length-prefixed run of bytes; they are the reader's.
func (r *reader) bytes() []byte {
	n := r.count(1)
	b := r.buf[r.pos : r.pos+n : r.pos+n]
	r.pos += n
	return b
}

// string reads a length-prefixed string, sharing the reader's memory
// when it may.
func (r *reader) string() string {
	n := r.count(1)
	var s string
	if r.text != "" {
		s = r.text[r.pos : r.pos+n]
	} else {
		s = string(r.buf[r.pos : r.pos+n])
	}
	r.pos += n
	return s
}

// value reads a value written by appendValue, boxed as the engine holds
// it (JSON as a jsonBytes or a blobRef, as it was stored).
func (r *reader) value() any {
	switch tag := r.byte(); tag {
	case tagNull:
		return nil
	case tagString:
		return r.string()
	case tagInt64:
		return r.varint()
	case tagInt8:
		return int8(r.byte())
	case tagInt32:
		v := r.varint()
		if v != int64(int32(v)) {
			r.fail("int32 out of range")
		}
		return int32(v)
	case tagUint64:
		return r.uvarint()
	case tagFloat64:
		if r.left() < 8 {
			r.fail("truncated float")
			return nil
		}
		v := math.Float64frombits(binary.LittleEndian.Uint64(r.buf[r.pos:]))
		r.pos += 8
		return v
	case tagFalse:
		return false
	case tagTrue:
		return true
	case tagTime:
		sec, nsec := r.varint(), r.uvarint()
		if nsec >= 1e9 {
			r.fail("nanoseconds out of range")
		}
		return time.Unix(sec, int64(nsec)).UTC()
	case tagDecimal:
		exp, sign, mag := r.varint(), r.uvarint(), r.bytes()
		if exp != int64(int32(exp)) || sign > 2 {
			r.fail("bad decimal")
			return nil
		}
		coef := new(big.Int).SetBytes(mag)
		if sign == 0 {
			coef.Neg(coef)
		}
		return decimal.NewFromBigInt(coef, int32(exp))
	case tagJSON:
		return jsonBytes(r.string())
	case tagBlob:
		n := r.uvarint()
		if n > math.MaxUint32 {
			r.fail("bad JSON value number")
		}
		return blobRef(n)
	default:
		r.fail("unknown value tag")
		return nil
	}
}
