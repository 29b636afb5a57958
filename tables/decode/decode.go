// Package decode turns Stripe's JSON into the engine's typed values: list
// pages into objects, objects into rows of a table's columns (a JSON null
// is NULL; fields are found by a top-level scanner, jsonscan.go, so a
// query decodes only the columns it reads).
package decode

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"
	"github.com/shopspring/decimal"

	"github.com/stripesql/stripesql/tables"
)

// page is one Stripe list response.
type ListPage struct {
	Data    []json.RawMessage `json:"data"`
	HasMore bool              `json:"has_more"`
}

func Page(body []byte) (ListPage, error) {
	var p ListPage
	if err := json.Unmarshal(body, &p); err != nil {
		return ListPage{}, fmt.Errorf("malformed list response: %v", err)
	}
	return p, nil
}

// objectID returns an object's "id" without decoding the rest.
// The key must be "id" exactly: encoding/json would also take "ID" or "iD"
// (found by FuzzDecodeRow), which is no Stripe id.
func ObjectID(raw json.RawMessage) string {
	var id string
	_ = Fields(raw, func(key, val []byte) {
		if string(key) == "id" && id == "" && len(val) > 0 && val[0] == '"' {
			_ = json.Unmarshal(val, &id)
		}
	})
	return id
}

// decodeRow turns one Stripe object into a row of cols. It reads the raw
// JSON rather than stripe-go's structs so that a JSON null stays NULL
// (the structs turn it into a zero value) and every field of the API
// version is served, whether or not stripe-go models it.
func Row(raw json.RawMessage, cols []tables.Column) (sql.Row, error) {
	if !json.Valid(raw) {
		return nil, errors.New("malformed object: not valid JSON")
	}
	return New(cols).Decode(raw, nil)
}

// decoder decodes objects into rows of given columns.
type Decoder struct {
	cols []tables.Column
	pos  map[string]int // column name → position
}

func New(cols []tables.Column) *Decoder {
	d := &Decoder{cols: cols, pos: make(map[string]int, len(cols))}
	for i, c := range cols {
		d.pos[c.Name] = i
	}
	return d
}

// decode reads the fields of the columns need marks (all when need is
// nil); the others stay NULL. raw must be valid JSON (decodePage and
// onePager check it): the field scanner only finds boundaries.
func (d *Decoder) Decode(raw json.RawMessage, need []bool) (sql.Row, error) {
	row := make(sql.Row, len(d.cols))
	if need != nil && !anyTrue(need) {
		return row, nil // COUNT(*): the page was validated whole already
	}
	var ferr error
	err := Fields(raw, func(key, val []byte) {
		i, ok := d.pos[string(key)] // no allocation: a map index

		if !ok || ferr != nil || need != nil && !need[i] {
			return
		}
		v, err := Value(val, d.cols[i].Kind)
		if err != nil {
			ferr = fmt.Errorf("field %s: %v", d.cols[i].Name, err)
			return
		}
		row[i] = v
	})
	if err != nil {
		return nil, fmt.Errorf("malformed object: %v", err)
	}
	return row, ferr
}

var jsonNull = []byte("null")

func Value(raw json.RawMessage, k tables.Kind) (any, error) {
	if len(raw) == 0 || bytes.Equal(raw, jsonNull) {
		return nil, nil
	}
	switch k {
	case tables.KindInt:
		return strconv.ParseInt(string(raw), 10, 64)
	case tables.KindTime:
		n, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil {
			return nil, err
		}
		return time.Unix(n, 0).UTC(), nil
	case tables.KindFloat:
		return strconv.ParseFloat(string(raw), 64)
	case tables.KindBool:
		// BOOLEAN is TINYINT(1): int8 is the engine's own value for it.
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return nil, err
		}
		if b {
			return int8(1), nil
		}
		return int8(0), nil
	case tables.KindDecimal:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			// Some decimal fields arrive as JSON numbers.
			s = string(raw)
		}
		return decimal.NewFromString(s)
	case tables.KindJSON:
		// Stripe pretty-prints; a cell holds compact JSON.
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return nil, err
		}
		return types.NewLazyJSONDocument(buf.Bytes()), nil
	case tables.KindRef:
		if raw[0] == '{' {
			// Expanded: serve the id all the same, so the column's
			// meaning does not depend on the request.
			return ObjectID(raw), nil
		}
		return decodeString(raw)
	default:
		return decodeString(raw)
	}
}

func decodeString(raw json.RawMessage) (any, error) {
	if raw[0] != '"' {
		// Not a string where the spec says string: keep its JSON text
		// rather than fail the whole query.
		return string(raw), nil
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

func anyTrue(b []bool) bool {
	for _, v := range b {
		if v {
			return true
		}
	}
	return false
}
