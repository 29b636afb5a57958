package binlog

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"
	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/sqltypes"
	querypb "github.com/dolthub/vitess/go/vt/proto/query"
	"github.com/shopspring/decimal"
)

// Each column type's value, encoded as the stream writes it, decodes with
// vitess's binlog reader (an independent implementation of MySQL's
// formats) to the value SELECT shows.
func TestValuesDecodeAsMySQLReads(t *testing.T) {
	ts := time.Date(2024, 2, 29, 23, 59, 58, 0, time.UTC)
	for _, tc := range []struct {
		name string
		typ  sql.Type
		v    any
		want string
	}{
		{"bigint", types.Int64, int64(-9007199254740993), "-9007199254740993"},
		{"tinyint", types.Boolean, int8(1), "1"},
		{"double", types.Float64, 0.1, "0.1"},
		{"decimal(30,12)", types.MustCreateDecimalType(30, 12), decimal.RequireFromString("-123456789012345678.000000000042"), "-123456789012345678.000000000042"},
		{"decimal(30,12) zero", types.MustCreateDecimalType(30, 12), decimal.Zero, "0.000000000000"},
		{"decimal(22,3)", types.MustCreateDecimalType(22, 3), decimal.RequireFromString("43.21"), "43.210"},
		{"decimal(22,3) negative", types.MustCreateDecimalType(22, 3), decimal.RequireFromString("-0.5"), "-0.500"},
		{"datetime", types.Datetime, ts, "2024-02-29 23:59:58"},
		{"datetime(6)", types.DatetimeMaxPrecision, ts.Add(123456 * time.Microsecond), "2024-02-29 23:59:58.123456"},
		{"timestamp", types.Timestamp, ts, "2024-02-29 23:59:58"},
		{"varchar(255)", types.MustCreateString(sqltypes.VarChar, 255, sql.Collation_utf8mb4_0900_bin), "ch_é", "ch_é"},
		{"text", types.MustCreateString(sqltypes.Text, types.TextBlobMax, sql.Collation_utf8mb4_0900_bin), "free text", "free text"},
		{"mediumtext", types.MustCreateString(sqltypes.Text, types.MediumTextBlobMax, sql.Collation_utf8mb4_0900_bin), "long", "long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			col, err := columnOf(&sql.Column{Name: "c", Type: tc.typ})
			if err != nil {
				t.Fatal(err)
			}
			b, err := col.append(nil, tc.v)
			if err != nil {
				t.Fatal(err)
			}
			var meta uint16
			switch len(col.meta) {
			case 1:
				meta = uint16(col.meta[0])
			case 2:
				if col.typ == typeNewDecimal {
					meta = uint16(col.meta[0])<<8 | uint16(col.meta[1])
				} else {
					meta = uint16(col.meta[0]) | uint16(col.meta[1])<<8
				}
			}
			styp := querypb.Type_VARCHAR
			switch col.typ {
			case typeTimestamp2:
				// vitess prints TIMESTAMP2 in the local zone: compare in UTC.
				t.Setenv("TZ", "UTC")
			case typeLongLong, typeTiny:
				styp = querypb.Type_INT64
			}
			v, n, err := mysql.CellValue(b, 0, col.typ, meta, styp)
			if err != nil {
				t.Fatal(err)
			}
			if n != len(b) {
				t.Errorf("vitess read %d bytes of %d", n, len(b))
			}
			if got := readable(col.typ, v.ToString()); got != tc.want {
				t.Errorf("decoded %q, want %q", got, tc.want)
			}
		})
	}
}

// readable undoes vitess's printing: it pads each nine-digit group of a
// DECIMAL with spaces where MySQL has zeros, and prints a DOUBLE in
// exponent form.
func readable(typ byte, s string) string {
	switch typ {
	case typeNewDecimal:
		neg := strings.HasPrefix(s, "-")
		s = strings.TrimLeft(strings.ReplaceAll(strings.TrimPrefix(s, "-"), " ", "0"), "0")
		if strings.HasPrefix(s, ".") || s == "" {
			s = "0" + s
		}
		if neg {
			s = "-" + s
		}
	case typeDouble:
		f, err := strconv.ParseFloat(s, 64)
		if err == nil {
			s = strconv.FormatFloat(f, 'g', -1, 64)
		}
	}
	return s
}

// A decimal out of its column's range is written as the largest value
// (what MySQL stores), never as bytes of another width.
func TestDecimalOutOfRange(t *testing.T) {
	b := appendDecimal(nil, decimal.RequireFromString("12345"), 5, 2)
	v, _, err := mysql.CellValue(b, 0, typeNewDecimal, 5<<8|2, querypb.Type_DECIMAL)
	if err != nil || readable(typeNewDecimal, v.ToString()) != "999.99" {
		t.Fatalf("%v, %v", v, err)
	}
}
