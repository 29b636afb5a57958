package refdb

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strings"
	"time"
)

// Batch is the most rows one INSERT statement carries (fewer when they
// would take more than maxPlaceholders values).
const Batch = 2000

// maxPlaceholders is the most values a prepared statement takes.
const maxPlaceholders = 65535

// Source returns a table's objects a batch (at most Batch) at a time; no
// objects at the end.
type Source func() ([]map[string]any, error)

// SliceSource is a source of objects held all at once.
func SliceSource(objects []map[string]any) Source {
	return func() ([]map[string]any, error) {
		n := min(Batch, len(objects))
		batch := objects[:n]
		objects = objects[n:]
		return batch, nil
	}
}

// Insert inserts a source's objects in batches, in one transaction, each
// object as the values row gives for cols; with progress set, every
// 100,000 rows are reported on w.
func Insert(w io.Writer, progress bool, db *sql.DB, table string, objects Source, cols []string, row func(Obj) []any) (int, error) {
	tx, err := db.Begin()
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = quoteIdent(c)
	}
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	n := 0
	for {
		batch, err := objects()
		if err != nil {
			return 0, err
		}
		if len(batch) == 0 {
			break
		}
		// A statement takes at most 65,535 placeholders.
		for rest := batch; len(rest) > 0; {
			part := rest[:min(len(rest), maxPlaceholders/len(cols))]
			rest = rest[len(part):]
			args := make([]any, 0, len(part)*len(cols))
			for _, o := range part {
				args = append(args, row(Obj(o))...)
			}
			q := "INSERT INTO " + quoteIdent(table) + " (" + strings.Join(quoted, ", ") + ") VALUES " +
				strings.TrimSuffix(strings.Repeat(one+",", len(part)), ",")
			if _, err := tx.Exec(q, args...); err != nil {
				return 0, fmt.Errorf("inserting %s: %v", table, err)
			}
		}
		if progress && (n+len(batch))/100_000 > n/100_000 {
			fmt.Fprintf(w, "  MariaDB: %d %s inserted\n", n+len(batch), table)
		}
		n += len(batch)
	}
	return n, tx.Commit()
}

func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// Obj reads the fields of an object decoded by json.Unmarshal into any.
type Obj map[string]any

func (o Obj) Str(k string) string { s, _ := o[k].(string); return s }
func (o Obj) Int(k string) int64  { f, _ := o[k].(float64); return int64(f) }

// Bool is a boolean as MariaDB's BOOLEAN holds it: 1 or 0.
func (o Obj) Bool(k string) int {
	if b, _ := o[k].(bool); b {
		return 1
	}
	return 0
}

// Nullable is a string, or NULL.
func (o Obj) Nullable(k string) any {
	if s, ok := o[k].(string); ok {
		return s
	}
	return nil
}

// NullableInt is an integer, or NULL.
func (o Obj) NullableInt(k string) any {
	if _, ok := o[k].(float64); ok {
		return o.Int(k)
	}
	return nil
}

// NullableFloat is a number, or NULL.
func (o Obj) NullableFloat(k string) any {
	if f, ok := o[k].(float64); ok {
		return f
	}
	return nil
}

// NullableBool is a boolean as 1 or 0, or NULL.
func (o Obj) NullableBool(k string) any {
	if _, ok := o[k].(bool); ok {
		return o.Bool(k)
	}
	return nil
}

// Time is a Unix time as a UTC DATETIME, as stripesql reports created.
func (o Obj) Time(k string) string {
	return time.Unix(o.Int(k), 0).UTC().Format(time.DateTime)
}

// NullableTime is Time, or NULL.
func (o Obj) NullableTime(k string) any {
	if _, ok := o[k].(float64); ok {
		return o.Time(k)
	}
	return nil
}

// Ref is an id, or the id of an expanded object, or NULL.
func (o Obj) Ref(k string) any {
	switch v := o[k].(type) {
	case string:
		return v
	case map[string]any:
		return v["id"]
	}
	return nil
}

// JSON is a JSON column: the value re-encoded, NULL for null.
func (o Obj) JSON(k string) any {
	if o[k] == nil {
		return nil
	}
	b, err := json.Marshal(o[k])
	if err != nil {
		return nil
	}
	return string(b)
}

// Major is the amount field k in the major unit of the object's currency,
// or NULL when either is null.
func (o Obj) Major(k string) any {
	if _, ok := o[k].(float64); !ok || o.Str("currency") == "" {
		return nil
	}
	return MajorString(o.Int(k), o.Str("currency"))
}

// Currencies whose amounts in the API do not have two decimals, from
// Stripe's documentation (written out here again, so that the reference
// does not share stripesql's list in tables/money.go).
var (
	zeroDecimal  = []string{"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
	threeDecimal = []string{"bhd", "jod", "kwd", "omr", "tnd"}
)

// exponent is the number of decimals of currency's amounts.
func exponent(currency string) int {
	switch c := strings.ToLower(currency); {
	case slices.Contains(zeroDecimal, c):
		return 0
	case slices.Contains(threeDecimal, c):
		return 3
	}
	return 2
}

// MajorString is amount in the currency's major unit, as stripesql's
// <amount>_major columns compute it: zero-decimal currencies divided by 1,
// three-decimal ones by 1000, others by 100.
func MajorString(amount int64, currency string) string {
	exp := exponent(currency)
	return new(big.Rat).SetFrac(big.NewInt(amount), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil)).FloatString(exp)
}

// DivisorSQL is a MariaDB expression of what divides an amount in
// currency (an SQL expression) to give it in the major unit: a reference
// query's own conversion, not the _major columns'.
func DivisorSQL(currency string) string {
	quote := func(cs []string) string { return "'" + strings.Join(cs, "', '") + "'" }
	return "(CASE WHEN LOWER(" + currency + ") IN (" + quote(zeroDecimal) + ") THEN 1 WHEN LOWER(" + currency + ") IN (" +
		quote(threeDecimal) + ") THEN 1000 ELSE 100 END)"
}
