package binlog

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"
	"github.com/dolthub/vitess/go/sqltypes"
	"github.com/shopspring/decimal"
)

// MySQL's column types in a TABLE_MAP event (include/field_types.h).
const (
	typeTiny       = 1
	typeShort      = 2
	typeLong       = 3
	typeFloat      = 4
	typeDouble     = 5
	typeLongLong   = 8
	typeInt24      = 9
	typeDate       = 10
	typeYear       = 13
	typeVarchar    = 15
	typeTimestamp2 = 17
	typeDatetime2  = 18
	typeTime2      = 19
	typeJSON       = 245
	typeNewDecimal = 246
	typeBlob       = 252
)

// column is how one column of a sql.Schema is written in row events: its
// MySQL type, the metadata TABLE_MAP gives with it, and its value's
// encoder. It follows the column's sql.Type, whatever the table declares
// (a DATETIME column is a DATETIME2, a TIMESTAMP one a TIMESTAMP2).
type column struct {
	typ      byte
	meta     []byte // the type's metadata in TABLE_MAP, as written
	unsigned bool
	numeric  bool // has a signedness bit (SIGNEDNESS metadata)
	char     bool // has a collation (COLUMN_CHARSET metadata)
	collate  uint16
	// packLen is a blob's length prefix; varLen a varchar's (1 or 2).
	packLen, varLen int
	// fsp is a temporal column's fractional digits; prec, scale a
	// decimal's.
	fsp         int
	prec, scale int
}

// columnOf maps one column's SQL type to its binlog form.
func columnOf(c *sql.Column) (column, error) {
	t := c.Type
	switch qt := t.Type(); {
	case qt == sqltypes.Int8 || qt == sqltypes.Uint8:
		return column{typ: typeTiny, numeric: true, unsigned: qt == sqltypes.Uint8}, nil
	case qt == sqltypes.Int16 || qt == sqltypes.Uint16:
		return column{typ: typeShort, numeric: true, unsigned: qt == sqltypes.Uint16}, nil
	case qt == sqltypes.Int24 || qt == sqltypes.Uint24:
		return column{typ: typeInt24, numeric: true, unsigned: qt == sqltypes.Uint24}, nil
	case qt == sqltypes.Int32 || qt == sqltypes.Uint32:
		return column{typ: typeLong, numeric: true, unsigned: qt == sqltypes.Uint32}, nil
	case qt == sqltypes.Int64 || qt == sqltypes.Uint64:
		return column{typ: typeLongLong, numeric: true, unsigned: qt == sqltypes.Uint64}, nil
	case qt == sqltypes.Float32:
		return column{typ: typeFloat, meta: []byte{4}, numeric: true}, nil
	case qt == sqltypes.Float64:
		return column{typ: typeDouble, meta: []byte{8}, numeric: true}, nil
	case qt == sqltypes.Decimal:
		d := t.(sql.DecimalType)
		p, s := int(d.Precision()), int(d.Scale())
		return column{typ: typeNewDecimal, meta: []byte{byte(p), byte(s)}, numeric: true, prec: p, scale: s}, nil
	case qt == sqltypes.Datetime || qt == sqltypes.Timestamp:
		fsp := 0
		if dt, ok := t.(sql.DatetimeType); ok {
			fsp = dt.Precision()
		}
		typ := byte(typeDatetime2)
		if qt == sqltypes.Timestamp {
			typ = typeTimestamp2
		}
		return column{typ: typ, meta: []byte{byte(fsp)}, fsp: fsp}, nil
	case qt == sqltypes.Date:
		return column{typ: typeDate}, nil
	case qt == sqltypes.Year:
		return column{typ: typeYear}, nil
	case qt == sqltypes.TypeJSON:
		return column{typ: typeJSON, meta: []byte{4}, packLen: 4}, nil
	case qt == sqltypes.Text || qt == sqltypes.Blob:
		max := maxBytes(t)
		n := 4
		switch {
		case max <= 0xff:
			n = 1
		case max <= 0xffff:
			n = 2
		case max <= 0xffffff:
			n = 3
		}
		return column{typ: typeBlob, meta: []byte{byte(n)}, packLen: n, char: true, collate: collationOf(t)}, nil
	case qt == sqltypes.VarChar || qt == sqltypes.Char || qt == sqltypes.VarBinary || qt == sqltypes.Binary:
		max := maxBytes(t)
		if max > 0xffff {
			max = 0xffff
		}
		v := 1
		if max > 255 {
			v = 2
		}
		return column{typ: typeVarchar, meta: binary.LittleEndian.AppendUint16(nil, uint16(max)), varLen: v, char: true, collate: collationOf(t)}, nil
	}
	return column{}, fmt.Errorf("binlog: column %s: type %s has no binlog form", c.Name, t.String())
}

// maxBytes is a string type's largest value in bytes.
func maxBytes(t sql.Type) int64 {
	if st, ok := t.(sql.StringType); ok {
		return st.MaxByteLength()
	}
	return 0xffff
}

// collationOf is a string type's collation id (binary for the others).
func collationOf(t sql.Type) uint16 {
	if st, ok := t.(sql.StringType); ok {
		return uint16(st.Collation())
	}
	return uint16(sql.Collation_binary)
}

// append writes value v (not NULL) of the column.
func (c column) append(b []byte, v any) ([]byte, error) {
	switch c.typ {
	case typeTiny, typeShort, typeInt24, typeLong, typeLongLong, typeYear:
		n, err := toInt(v)
		if err != nil {
			return nil, err
		}
		if c.typ == typeYear && n != 0 {
			n -= 1900
		}
		size := map[byte]int{typeTiny: 1, typeYear: 1, typeShort: 2, typeInt24: 3, typeLong: 4, typeLongLong: 8}[c.typ]
		for i := 0; i < size; i++ {
			b = append(b, byte(uint64(n)>>(8*i)))
		}
		return b, nil
	case typeFloat:
		f, err := toFloat(v)
		return binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(f))), err
	case typeDouble:
		f, err := toFloat(v)
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(f)), err
	case typeNewDecimal:
		d, err := toDecimal(v)
		if err != nil {
			return nil, err
		}
		return appendDecimal(b, d, c.prec, c.scale), nil
	case typeDatetime2, typeTimestamp2, typeDate:
		t, ok := v.(time.Time)
		if !ok {
			return nil, fmt.Errorf("binlog: %T is not a time", v)
		}
		switch c.typ {
		case typeDate:
			n := uint32(t.Year())<<9 | uint32(t.Month())<<5 | uint32(t.Day())
			return append(b, byte(n), byte(n>>8), byte(n>>16)), nil
		case typeTimestamp2:
			b = binary.BigEndian.AppendUint32(b, uint32(t.Unix()))
		default:
			b = appendDatetime2(b, t.UTC())
		}
		return appendFraction(b, t.Nanosecond()/1000, c.fsp), nil
	case typeJSON:
		doc, err := toJSONValue(v)
		if err != nil {
			return nil, err
		}
		body, err := encodeJSON(doc)
		if err != nil {
			return nil, err
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(len(body)))
		return append(b, body...), nil
	case typeBlob, typeVarchar:
		s, err := toBytes(v)
		if err != nil {
			return nil, err
		}
		n := c.packLen
		if c.typ == typeVarchar {
			n = c.varLen
		}
		for i := 0; i < n; i++ {
			b = append(b, byte(len(s)>>(8*i)))
		}
		return append(b, s...), nil
	}
	return nil, fmt.Errorf("binlog: type %d has no encoder", c.typ)
}

func toInt(v any) (int64, error) {
	switch n := v.(type) {
	case int8:
		return int64(n), nil
	case int16:
		return int64(n), nil
	case int32:
		return int64(n), nil
	case int64:
		return n, nil
	case int:
		return int64(n), nil
	case uint8:
		return int64(n), nil
	case uint16:
		return int64(n), nil
	case uint32:
		return int64(n), nil
	case uint64:
		return int64(n), nil
	case bool:
		if n {
			return 1, nil
		}
		return 0, nil
	}
	return 0, fmt.Errorf("binlog: %T is not an integer", v)
}

func toFloat(v any) (float64, error) {
	switch f := v.(type) {
	case float64:
		return f, nil
	case float32:
		return float64(f), nil
	}
	n, err := toInt(v)
	return float64(n), err
}

func toDecimal(v any) (decimal.Decimal, error) {
	switch d := v.(type) {
	case decimal.Decimal:
		return d, nil
	case decimal.NullDecimal:
		return d.Decimal, nil
	case string:
		return decimal.NewFromString(d)
	}
	f, err := toFloat(v)
	return decimal.NewFromFloat(f), err
}

func toBytes(v any) ([]byte, error) {
	switch s := v.(type) {
	case string:
		return []byte(s), nil
	case []byte:
		return s, nil
	}
	return nil, fmt.Errorf("binlog: %T is not a string", v)
}

// toJSONValue is a JSON column's value as plain Go values (numbers as
// json.Number, so that integers stay integers).
func toJSONValue(v any) (any, error) {
	switch j := v.(type) {
	case sql.JSONWrapper:
		x, err := j.ToInterface()
		if err != nil {
			return nil, err
		}
		return x, nil
	case string:
		return unmarshalJSON([]byte(j))
	case []byte:
		return unmarshalJSON(j)
	case json.RawMessage:
		return unmarshalJSON(j)
	}
	return v, nil
}

func unmarshalJSON(b []byte) (any, error) {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var x any
	err := dec.Decode(&x)
	return x, err
}

var dig2bytes = [10]int{0, 1, 1, 2, 2, 3, 3, 4, 4, 4}

// appendDecimal writes d as MySQL's binary DECIMAL(prec, scale): groups
// of nine digits in four bytes, big-endian, a partial group first and
// last; a negative number has every bit flipped; the first bit is then
// flipped for both signs.
func appendDecimal(b []byte, d decimal.Decimal, prec, scale int) []byte {
	neg := d.Sign() < 0
	s := d.Abs().StringFixed(int32(scale))
	ip, fp, _ := strings.Cut(s, ".")
	intg := prec - scale
	if len(ip) > intg { // out of range: what MySQL would store, the largest
		ip = strings.Repeat("9", intg)
		fp = strings.Repeat("9", scale)
	}
	ip = strings.Repeat("0", intg-len(ip)) + ip
	fp += strings.Repeat("0", scale-len(fp))
	start := len(b)
	group := func(digits string) {
		n := 0
		for _, c := range digits {
			n = n*10 + int(c-'0')
		}
		size := dig2bytes[len(digits)]
		for i := size - 1; i >= 0; i-- {
			b = append(b, byte(n>>(8*i)))
		}
	}
	if x := intg % 9; x > 0 {
		group(ip[:x])
		ip = ip[x:]
	}
	for ; len(ip) > 0; ip = ip[9:] {
		group(ip[:9])
	}
	for ; len(fp) >= 9; fp = fp[9:] {
		group(fp[:9])
	}
	if len(fp) > 0 {
		group(fp)
	}
	if neg {
		for i := start; i < len(b); i++ {
			b[i] ^= 0xff
		}
	}
	if len(b) > start {
		b[start] ^= 0x80
	}
	return b
}

// appendDatetime2 writes the five bytes of a DATETIME2 without its
// fraction: sign, year*13+month, day, hour, minute, second, big-endian.
func appendDatetime2(b []byte, t time.Time) []byte {
	ym := uint64(t.Year()*13 + int(t.Month()))
	ymd := ym<<5 | uint64(t.Day())
	hms := uint64(t.Hour())<<12 | uint64(t.Minute())<<6 | uint64(t.Second())
	n := uint64(1)<<39 | ymd<<17 | hms
	return append(b, byte(n>>32), byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// appendFraction writes fsp fractional digits of usec, big-endian in
// (fsp+1)/2 bytes.
func appendFraction(b []byte, usec, fsp int) []byte {
	switch {
	case fsp <= 0:
		return b
	case fsp <= 2:
		return append(b, byte(usec/10000))
	case fsp <= 4:
		n := usec / 100
		return append(b, byte(n>>8), byte(n))
	}
	return append(b, byte(usec>>16), byte(usec>>8), byte(usec))
}

// Ensure the types package's JSON values satisfy JSONWrapper (the type
// a JSON column holds).
var _ sql.JSONWrapper = types.JSONDocument{}
