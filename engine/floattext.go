package engine

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/dolthub/vitess/go/sqltypes"
	querypb "github.com/dolthub/vitess/go/vt/proto/query"
)

// go-mysql-server writes DOUBLE and FLOAT values in the text protocol as
// Go's strconv 'g' (`4.274962e+06`, `1e+15`, `1e-05`). MySQL and MariaDB
// write them with my_gcvt: plain digits unless the exponent is out of
// range, an exponent without '+' or leading zeros (`4274962`, `1e15`,
// `0.00001`), and a FLOAT with 6 significant digits. Clients show the
// text as it comes, so the values are rewritten in the MariaDB form. The
// binary protocol (prepared statements) sends IEEE bits and is left alone.

// Plain notation is used unless the value has more than plainDecpt
// integer digits of which the last are zeros (1e15, 1.234567890123456e15
// but 4050556489343827.5), or plainDecpt zeros or more after the point
// (1e-15 is 0.000000000000001, 1e-16 stays 1e-16). decpt is the position
// of the point: the value is 0.DIGITS×10^decpt. These are MariaDB's
// my_gcvt rules for the text protocol (MAX_DECPT_FOR_F_FORMAT), checked
// against MariaDB 10.11 by TestNumbersMatchMariaDB.
const plainDecpt = 15

func plainNotation(decpt, digits int) bool {
	return decpt > -plainDecpt && (decpt <= plainDecpt || decpt < digits)
}

// floatDigits is the significant digits of a FLOAT (FLT_DIG).
const floatDigits = 6

// floatColumns are the positions of the DOUBLE and FLOAT fields, nil when
// there are none.
func floatColumns(fields []*querypb.Field) []int {
	var cols []int
	for i, f := range fields {
		if f.Type == sqltypes.Float64 || f.Type == sqltypes.Float32 {
			cols = append(cols, i)
		}
	}
	return cols
}

// mysqlFloatRows rewrites the values of the float columns of res's rows.
func mysqlFloatRows(res *sqltypes.Result) {
	cols := floatColumns(res.Fields)
	if len(cols) == 0 {
		return
	}
	for _, row := range res.Rows {
		for _, i := range cols {
			if i >= len(row) || row[i].IsNull() {
				continue
			}
			if text, ok := mysqlFloatText(row[i].Raw(), res.Fields[i].Type == sqltypes.Float32); ok {
				row[i] = sqltypes.MakeTrusted(res.Fields[i].Type, text)
			}
		}
	}
}

// mysqlFloatText is the MariaDB text of a DOUBLE (or FLOAT) written by
// go-mysql-server as raw; ok is false when raw needs no change or is not
// a number.
func mysqlFloatText(raw []byte, float32Column bool) (text []byte, ok bool) {
	// Without an exponent, Go's shortest digits are plain and the value
	// between 1e-4 and 1e21: MariaDB writes the same.
	if !float32Column && bytes.IndexByte(raw, 'e') < 0 {
		return nil, false
	}
	bits := 64
	if float32Column {
		bits = 32
	}
	v, err := strconv.ParseFloat(string(raw), bits)
	if err != nil {
		return nil, false
	}
	prec := -1 // shortest digits that read back as the same DOUBLE
	if float32Column {
		prec = floatDigits - 1
	}
	// d.ddde±x: the significant digits and the exponent.
	e := strconv.AppendFloat(nil, v, 'e', prec, 64)
	neg := e[0] == '-'
	if neg {
		e = e[1:]
	}
	mant, exp, _ := strings.Cut(string(e), "e")
	x, err := strconv.Atoi(exp)
	if err != nil {
		return nil, false
	}
	digits := strings.TrimRight(strings.Replace(mant, ".", "", 1), "0")
	if digits == "" { // zero
		digits = "0"
		x = 0
	}
	out := make([]byte, 0, len(digits)+24)
	if neg {
		out = append(out, '-')
	}
	decpt := x + 1
	switch {
	case !plainNotation(decpt, len(digits)):
		out = append(out, digits[0])
		if len(digits) > 1 {
			out = append(out, '.')
			out = append(out, digits[1:]...)
		}
		out = append(out, 'e')
		out = strconv.AppendInt(out, int64(x), 10)
	case decpt <= 0:
		out = append(out, "0."...)
		out = append(out, strings.Repeat("0", -decpt)...)
		out = append(out, digits...)
	case decpt >= len(digits):
		out = append(out, digits...)
		out = append(out, strings.Repeat("0", decpt-len(digits))...)
	default:
		out = append(out, digits[:decpt]...)
		out = append(out, '.')
		out = append(out, digits[decpt:]...)
	}
	return out, true
}
