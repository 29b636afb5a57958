package binlog

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
)

// MySQL's binary JSON (sql-common/json_binary.h), the form of a JSON
// column's value in row events.
const (
	jsonSmallObject = 0x00
	jsonLargeObject = 0x01
	jsonSmallArray  = 0x02
	jsonLargeArray  = 0x03
	jsonLiteral     = 0x04
	jsonInt16       = 0x05
	jsonInt32       = 0x07
	jsonInt64       = 0x09
	jsonUint64      = 0x0a
	jsonDouble      = 0x0b
	jsonString      = 0x0c

	jsonNull  = 0x00
	jsonTrue  = 0x01
	jsonFalse = 0x02
)

// encodeJSON is the binary form of a document of plain Go values (as
// encoding/json decodes them, numbers as json.Number or float64).
func encodeJSON(v any) ([]byte, error) {
	typ, data, err := jsonValue(v)
	if err != nil {
		return nil, err
	}
	return append([]byte{typ}, data...), nil
}

// jsonValue is a value's type and bytes.
func jsonValue(v any) (byte, []byte, error) {
	switch x := v.(type) {
	case nil:
		return jsonLiteral, []byte{jsonNull}, nil
	case bool:
		if x {
			return jsonLiteral, []byte{jsonTrue}, nil
		}
		return jsonLiteral, []byte{jsonFalse}, nil
	case string:
		return jsonString, appendVarLen(nil, len(x), x), nil
	case json.Number:
		if n, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return jsonInt(n)
		}
		if n, err := strconv.ParseUint(string(x), 10, 64); err == nil {
			return jsonUint64, binary.LittleEndian.AppendUint64(nil, n), nil
		}
		f, err := x.Float64()
		if err != nil {
			return 0, nil, err
		}
		return jsonDouble, binary.LittleEndian.AppendUint64(nil, math.Float64bits(f)), nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return jsonInt(int64(x))
		}
		return jsonDouble, binary.LittleEndian.AppendUint64(nil, math.Float64bits(x)), nil
	case int:
		return jsonInt(int64(x))
	case int64:
		return jsonInt(x)
	case map[string]any:
		return jsonContainer(x, nil)
	case []any:
		return jsonContainer(nil, x)
	}
	return 0, nil, fmt.Errorf("binlog: JSON value of type %T", v)
}

func jsonInt(n int64) (byte, []byte, error) {
	switch {
	case n >= math.MinInt16 && n <= math.MaxInt16:
		return jsonInt16, binary.LittleEndian.AppendUint16(nil, uint16(n)), nil
	case n >= math.MinInt32 && n <= math.MaxInt32:
		return jsonInt32, binary.LittleEndian.AppendUint32(nil, uint32(n)), nil
	}
	return jsonInt64, binary.LittleEndian.AppendUint64(nil, uint64(n)), nil
}

// appendVarLen writes a string's length, seven bits a byte, low first.
func appendVarLen(b []byte, n int, s string) []byte {
	for {
		c := byte(n & 0x7f)
		n >>= 7
		if n == 0 {
			b = append(b, c)
			break
		}
		b = append(b, c|0x80)
	}
	return append(b, s...)
}

// jsonContainer is an object (obj) or an array (arr), small (16-bit
// counts and offsets) when it fits, else large.
func jsonContainer(obj map[string]any, arr []any) (byte, []byte, error) {
	if b, ok, err := jsonContainerOf(obj, arr, false); err != nil || ok {
		typ := byte(jsonSmallArray)
		if arr == nil {
			typ = jsonSmallObject
		}
		return typ, b, err
	}
	b, _, err := jsonContainerOf(obj, arr, true)
	typ := byte(jsonLargeArray)
	if arr == nil {
		typ = jsonLargeObject
	}
	return typ, b, err
}

// jsonContainerOf lays a container out: count, size, key entries (an
// object's), value entries (inlined literals and small integers), keys,
// values. ok is false when a small layout cannot hold it.
func jsonContainerOf(obj map[string]any, arr []any, large bool) ([]byte, bool, error) {
	word := 2
	if large {
		word = 4
	}
	var keys []string
	vals := arr
	if arr == nil {
		keys = make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		// MySQL's order: shorter keys first, then byte order.
		sort.Slice(keys, func(i, j int) bool {
			if len(keys[i]) != len(keys[j]) {
				return len(keys[i]) < len(keys[j])
			}
			return keys[i] < keys[j]
		})
		vals = make([]any, len(keys))
		for i, k := range keys {
			vals[i] = obj[k]
		}
	}
	n := len(vals)
	header := 2*word + len(keys)*(word+2) + n*(1+word)
	put := func(b []byte, at, v int) {
		if large {
			binary.LittleEndian.PutUint32(b[at:], uint32(v))
		} else {
			binary.LittleEndian.PutUint16(b[at:], uint16(v))
		}
	}
	fits := func(v int) bool { return large || v <= math.MaxUint16 }
	out := make([]byte, header)
	put(out, 0, n)
	for i, k := range keys {
		if !fits(len(out)) || len(k) > math.MaxUint16 {
			return nil, false, nil
		}
		at := 2*word + i*(word+2)
		put(out, at, len(out))
		binary.LittleEndian.PutUint16(out[at+word:], uint16(len(k)))
		out = append(out, k...)
	}
	entries := 2*word + len(keys)*(word+2)
	for i, v := range vals {
		typ, data, err := jsonValue(v)
		if err != nil {
			return nil, false, err
		}
		at := entries + i*(1+word)
		out[at] = typ
		if inline(typ, large) {
			copy(out[at+1:at+1+word], data)
			continue
		}
		if !fits(len(out)) {
			return nil, false, nil
		}
		put(out, at+1, len(out))
		out = append(out, data...)
	}
	if !fits(len(out)) {
		return nil, false, nil
	}
	put(out, word, len(out))
	return out, true, nil
}

// inline reports a value kept in its entry: literals and 16-bit integers,
// and 32-bit ones in a large container.
func inline(typ byte, large bool) bool {
	switch typ {
	case jsonLiteral, jsonInt16:
		return true
	case jsonInt32:
		return large
	}
	return false
}
