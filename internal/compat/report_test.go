package compat

import (
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// report is what a client prints: what its driver handed to the
// application, without verdicts. Absent parts are nil.
type report struct {
	Databases []string `json:"databases"`
	Tables    []string `json:"tables"`
	// Columns maps the checked table's columns to the type name the
	// client's metadata API gives (nil when it gives names only).
	Columns    map[string]*string `json:"columns"`
	PrimaryKey []string           `json:"primary_key"`
	Results    map[string]*result `json:"results"`

	// Client-specific parts, checked by that client's extra checks.
	Indexes     []string       `json:"indexes"`
	ForeignKeys []string       `json:"foreign_keys"`
	Views       []string       `json:"views"`
	Functions   []string       `json:"functions"`
	Probes      []probeOutcome `json:"probes"`
}

type result struct {
	Columns []resultColumn `json:"columns"`
	Rows    [][]cell       `json:"rows"`
	// RowCount is a count the tool computed separately (Evidence).
	RowCount *int `json:"row_count"`
}

type resultColumn struct {
	Name string  `json:"name"`
	Type *string `json:"type"`
}

// cell is one value, tagged with the type the driver returned it as:
// null, int, float, decimal, datetime, datetime_text (a DATETIME the driver
// is configured to return as a string), string, bytes, json (decoded into
// objects by the driver), bool, or text (a command-line client's output).
type cell struct {
	T string          `json:"t"`
	V json.RawMessage `json:"v"`
}

type probeOutcome struct {
	SQL   string  `json:"sql"`
	Error *string `json:"error"`
}

// kind is the SQL type a checked column has.
type kind string

const (
	kindString   kind = "string"
	kindInt      kind = "int"
	kindDatetime kind = "datetime"
	kindJSON     kind = "json"
	kindDecimal  kind = "decimal"
	// kindNumber is a type name that covers integers and decimals alike
	// (Evidence's "number").
	kindNumber kind = "number"
)

// classify maps a type name as clients spell it (protocol names such as
// LONGLONG, SQL names such as bigint(20), Cube's and Evidence's generic
// names) to a kind; "" when unknown.
func classify(typeName string) kind {
	base := strings.ToLower(strings.TrimSpace(typeName))
	if i := strings.IndexByte(base, '('); i >= 0 {
		base = base[:i]
	}
	switch strings.TrimSuffix(base, " unsigned") {
	case "longlong", "long", "bigint", "int", "integer":
		return kindInt
	case "number":
		return kindNumber
	case "datetime", "timestamp", "date":
		return kindDatetime
	case "newdecimal", "decimal":
		return kindDecimal
	case "json":
		return kindJSON
	case "var_string", "varchar", "string", "tinytext", "text", "mediumtext", "longtext":
		return kindString
	case "blob", "tiny_blob", "medium_blob", "long_blob":
		// The protocol's type of TEXT columns too (free text such as
		// charges.description): a text character set, not binary, tells
		// them apart, and the values are checked to be strings.
		return kindString
	}
	return ""
}

// typeFits tells whether a reported column type suits a column of kind k.
// Tools without a JSON type (Evidence) report JSON columns as strings.
func typeFits(typeName string, k kind) error {
	got := classify(typeName)
	ok := got == k
	switch k {
	case kindInt, kindDecimal:
		ok = ok || got == kindNumber
	case kindJSON:
		ok = ok || got == kindString
	}
	if got == "" {
		return fmt.Errorf("unknown type name %q (want a %s type)", typeName, k)
	}
	if !ok {
		return fmt.Errorf("type %q is not a %s type", typeName, k)
	}
	return nil
}

// checkOptions are a client's documented representation choices.
type checkOptions struct {
	// nullText is how a text client prints NULL.
	nullText string
	// datesAsText: the driver is configured to return DATETIME as
	// "YYYY-MM-DD hh:mm:ss" strings (Cube's dateStrings: true).
	datesAsText bool
	// decimalsAsNumbers: the driver is configured to return DECIMAL as
	// floating-point numbers (Evidence's decimalNumbers: true).
	decimalsAsNumbers bool
}

const sqlDatetime = "2006-01-02 15:04:05"

// checkCell compares one value with the expected one (nil for NULL;
// string, int64, time.Time, *big.Rat, or jsonValue by kind). colType is
// the column's type as the client reported it (nil if it did not).
func checkCell(c cell, k kind, want any, colType *string, opts checkOptions) error {
	var text string
	if c.T != "json" && c.T != "null" {
		if err := json.Unmarshal(c.V, &text); err != nil {
			return fmt.Errorf("%s value %s is not a JSON string: %v", c.T, c.V, err)
		}
	}
	if want == nil {
		if c.T == "null" || (c.T == "text" && text == opts.nullText) {
			return nil
		}
		return fmt.Errorf("got %s %q, want NULL", c.T, text)
	}
	if c.T == "null" {
		return fmt.Errorf("got NULL, want %v", want)
	}
	switch k {
	case kindString:
		if (c.T == "string" || c.T == "text") && text == want.(string) {
			return nil
		}
	case kindInt:
		if (c.T == "int" || c.T == "text") && text == strconv.FormatInt(want.(int64), 10) {
			return nil
		}
	case kindDatetime:
		return checkDatetime(c.T, text, want.(time.Time), opts)
	case kindJSON:
		return checkJSON(c, text, want.(jsonValue), colType)
	case kindDecimal:
		return checkDecimal(c.T, text, want.(*big.Rat), opts)
	}
	return fmt.Errorf("got %s %q, want %s %v", c.T, text, k, want)
}

func checkDatetime(tag, text string, want time.Time, opts checkOptions) error {
	switch {
	case tag == "datetime":
		got, err := parseDatetime(text)
		if err != nil {
			return err
		}
		if !got.Equal(want) {
			return fmt.Errorf("got datetime %s, want %s", got.Format(sqlDatetime), want.Format(sqlDatetime))
		}
		return nil
	case tag == "text" || (tag == "datetime_text" && opts.datesAsText):
		if text != want.Format(sqlDatetime) {
			return fmt.Errorf("got %q, want %q", text, want.Format(sqlDatetime))
		}
		return nil
	}
	return fmt.Errorf("got %s %q, want a datetime %s", tag, text, want.Format(sqlDatetime))
}

// parseDatetime reads the renderings clients use: Python's "2024-01-02
// 03:04:05", Java's "2024-01-02T03:04:05", JavaScript's ISO 8601 in UTC.
func parseDatetime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("unreadable datetime %q", s)
}

// jsonValue is an expected JSON document, decoded as encoding/json does.
type jsonValue struct{ v any }

func checkJSON(c cell, text string, want jsonValue, colType *string) error {
	raw := []byte(text)
	switch c.T {
	case "json", "text":
		if c.T == "json" {
			raw = c.V
		}
	case "string", "bytes":
		// JSON handed over as text is fine when the driver says the
		// column is JSON, so the application can decode it.
		if colType == nil || classify(*colType) != kindJSON {
			return fmt.Errorf("JSON value arrived as %s %q from a column not typed JSON", c.T, text)
		}
	default:
		return fmt.Errorf("got %s %q, want JSON", c.T, text)
	}
	var got any
	if err := json.Unmarshal(raw, &got); err != nil {
		return fmt.Errorf("unreadable JSON %q: %v", raw, err)
	}
	if !reflect.DeepEqual(got, want.v) {
		return fmt.Errorf("got JSON %s, want %v", raw, want.v)
	}
	return nil
}

func checkDecimal(tag, text string, want *big.Rat, opts checkOptions) error {
	switch {
	case tag == "decimal", tag == "text", (tag == "int" || tag == "float") && opts.decimalsAsNumbers:
		got, ok := new(big.Rat).SetString(text)
		if !ok {
			return fmt.Errorf("unreadable decimal %q", text)
		}
		if got.Cmp(want) != 0 {
			return fmt.Errorf("got decimal %s, want %s", text, want.FloatString(6))
		}
		return nil
	}
	return fmt.Errorf("got %s %q, want a decimal %s", tag, text, want.FloatString(6))
}
