package rowcache

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"
	"github.com/shopspring/decimal"
)

// jsonBytes is a JSON cell as a block keeps it: its text. A document is
// made per read, so that what the engine parses from it is not kept in
// the cache.
type jsonBytes string

// blobRef is a JSON cell of a built column: the number of its value
// among the column's compressed JSON values (see jsonChunks).
type blobRef uint32

// stored is the form a value is kept in.
func stored(v any) any {
	if j, ok := v.(sql.JSONWrapper); ok {
		if jb, ok := j.(types.JSONBytes); ok {
			if bs, err := jb.GetBytes(); err == nil {
				return jsonBytes(bs)
			}
		}
	}
	return v
}

// timeKey and decimalKey make values comparable map keys by value.
type (
	timeKey    int64
	decimalKey string
)

// key is the interning key of a value; ok is false for a value that is
// not interned (stored as is). Two values with one key are equal to the
// engine too, which is what lets Matches answer exactly.
func key(v any) (any, bool) {
	switch x := v.(type) {
	case string, int64, int8, int32, uint64, float64, bool, jsonBytes:
		return x, true
	case time.Time:
		return timeKey(x.UnixNano()), true
	case decimal.Decimal:
		return decimalKey(x.String()), true
	}
	return nil, false
}

// Bytes an interface slot and a boxed value hold, on top of the value's
// own bytes.
const (
	ifaceBytes = 16
	boxBytes   = 8
)

// valueBytes is what a boxed dictionary value holds besides its slot.
func valueBytes(v any) int64 {
	switch x := v.(type) {
	case string:
		return int64(16 + len(x))
	case jsonBytes:
		return int64(16 + len(x))
	case time.Time:
		return 24
	case decimal.Decimal:
		return 48
	case int8, bool:
		return 0 // boxed without allocating
	default:
		return boxBytes
	}
}

func createdOf(v any) int64 {
	switch x := v.(type) {
	case time.Time:
		return x.Unix()
	case int64:
		return x
	}
	return 0
}

// Value tags: the first byte of an encoded value says its type.
const (
	tagNull byte = iota
	tagString
	tagInt64
	tagInt8
	tagInt32
	tagUint64
	tagFloat64
	tagFalse
	tagTrue
	tagTime
	tagDecimal
	tagJSON // inline JSON text
	tagBlob // a JSON value of the column's chunks, by number
)

// errUnencodable is the error of a value of a type blocks do not encode.
var errUnencodable = errors.New("rowcache: a value of a type that is not encoded")

// appendValue appends a value in stored form (see stored).
func appendValue(dst []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, tagNull), nil
	case string:
		return appendText(append(dst, tagString), x), nil
	case int64:
		return binary.AppendVarint(append(dst, tagInt64), x), nil
	case int8:
		return append(dst, tagInt8, byte(x)), nil
	case int32:
		return binary.AppendVarint(append(dst, tagInt32), int64(x)), nil
	case uint64:
		return binary.AppendUvarint(append(dst, tagUint64), x), nil
	case float64:
		return binary.LittleEndian.AppendUint64(append(dst, tagFloat64), math.Float64bits(x)), nil
	case bool:
		if x {
			return append(dst, tagTrue), nil
		}
		return append(dst, tagFalse), nil
	case time.Time:
		// Rows hold UTC times: the instant is kept, the location is not.
		dst = binary.AppendVarint(append(dst, tagTime), x.Unix())
		return binary.AppendUvarint(dst, uint64(x.Nanosecond())), nil
	case decimal.Decimal:
		// Coefficient and exponent, so that 5.00 stays 5.00.
		coef := x.Coefficient()
		dst = binary.AppendVarint(append(dst, tagDecimal), int64(x.Exponent()))
		dst = binary.AppendUvarint(dst, uint64(coef.Sign()+1))
		return appendBytes(dst, coef.Bytes()), nil
	case jsonBytes:
		return appendText(append(dst, tagJSON), string(x)), nil
	case blobRef:
		return binary.AppendUvarint(append(dst, tagBlob), uint64(x)), nil
	}
	return dst, fmt.Errorf("%w: %T", errUnencodable, v)
}

func appendText(dst []byte, s string) []byte {
	return append(binary.AppendUvarint(dst, uint64(len(s))), s...)
}

func appendUvarint(dst []byte, n int) []byte { return binary.AppendUvarint(dst, uint64(n)) }

func appendBytes(dst []byte, b []byte) []byte {
	return append(binary.AppendUvarint(dst, uint64(len(b))), b...)
}

// engineValue is a stored value as the engine reads it: JSON as a fresh
// document, the rest as it is.
func engineValue(v any) any {
	if j, ok := v.(jsonBytes); ok {
		return types.NewLazyJSONDocument([]byte(j))
	}
	return v
}
