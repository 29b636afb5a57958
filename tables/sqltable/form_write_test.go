package sqltable

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"
	"github.com/dolthub/vitess/go/mysql"
	"github.com/shopspring/decimal"

	"github.com/stripesql/stripesql/tables"
)

// writeRow builds a row of table's columns from name → value.
func writeRow(t *testing.T, table string, values map[string]any) (*tables.Spec, []tables.Column, sql.Row) {
	t.Helper()
	s, ok := tables.Lookup(table)
	if !ok {
		t.Fatalf("no table %s", table)
	}
	cols, err := s.AllColumns()
	if err != nil {
		t.Fatal(err)
	}
	row := make(sql.Row, len(cols))
	for name, v := range values {
		i := -1
		for k, c := range cols {
			if c.Name == name {
				i = k
			}
		}
		if i < 0 {
			t.Fatalf("%s has no column %s", table, name)
		}
		row[i] = v
	}
	return s, cols, row
}

func op(t *testing.T, s *tables.Spec, kind string) writeOp {
	t.Helper()
	o, err := writeOpOf(s, kind)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// An INSERT row becomes Stripe's form encoding: JSON as bracketed keys,
// booleans as true/false, times as unix seconds, NULL left out.
func TestCreateForm(t *testing.T) {
	tests := []struct {
		table  string
		values map[string]any
		want   string
	}{
		{"customers", map[string]any{"email": "a@example.com", "name": nil, "balance": int64(-500),
			"metadata":          types.MustJSON(`{"plan": "pro", "seats": 3}`),
			"address":           types.MustJSON(`{"city": "Paris", "line2": null}`),
			"preferred_locales": types.MustJSON(`["fr", "en"]`)},
			"address[city]=Paris&address[line2]=&balance=-500&email=a@example.com&metadata[plan]=pro&metadata[seats]=3&preferred_locales[0]=fr&preferred_locales[1]=en"},
		{"products", map[string]any{"name": "Widget", "active": int8(0), "shippable": int8(1), "id": "prod_x"},
			"active=false&id=prod_x&name=Widget&shippable=true"},
		{"coupons", map[string]any{"percent_off": 12.5, "duration": "once", "redeem_by": time.Unix(1893456000, 0).UTC()},
			"duration=once&percent_off=12.5&redeem_by=1893456000"},
		{"prices", map[string]any{"currency": "usd", "unit_amount_decimal": decimal.RequireFromString("12.345"),
			"tiers": types.MustJSON(`[{"up_to": 10, "unit_amount": 100}, {"up_to": "inf", "unit_amount": 90}]`)},
			"currency=usd&tiers[0][unit_amount]=100&tiers[0][up_to]=10&tiers[1][unit_amount]=90&tiers[1][up_to]=inf&unit_amount_decimal=12.345"},
	}
	for _, tt := range tests {
		t.Run(tt.table, func(t *testing.T) {
			s, cols, row := writeRow(t, tt.table, tt.values)
			f, err := op(t, s, Insert).createForm(s, cols, row)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := url.QueryUnescape(f.Encode()); got != tt.want {
				t.Errorf("form\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// An UPDATE sends the SET columns; NULL clears (""); metadata keys the
// new value lacks are deleted.
func TestUpdateForm(t *testing.T) {
	s, cols, old := writeRow(t, "customers", map[string]any{"id": "cus_1", "name": "Ann", "description": "VIP",
		"metadata": types.MustJSON(`{"plan": "pro", "team": "a"}`)})
	_, _, row := writeRow(t, "customers", map[string]any{"id": "cus_1", "name": "Ann", "description": nil,
		"metadata": types.MustJSON(`{"plan": "max"}`)})
	f, err := op(t, s, Update).updateForm(s, cols, []string{"NAME", "description", "metadata"}, old, row)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := url.QueryUnescape(f.Encode()); got != "description=&metadata[plan]=max&metadata[team]=&name=Ann" {
		t.Errorf("form %s", got)
	}
	_, _, cleared := writeRow(t, "customers", map[string]any{"id": "cus_1", "balance": nil})
	_, err = op(t, s, Update).updateForm(s, cols, []string{"balance"}, old, cleared)
	assertSQLError(t, err, 1048, "Column 'balance' of table 'customers' cannot be set to NULL")
}

func TestCreateFormRefusals(t *testing.T) {
	s, cols, row := writeRow(t, "customers", map[string]any{"email": "a@example.com", "created": time.Unix(1, 0)})
	_, err := op(t, s, Insert).createForm(s, cols, row)
	assertSQLError(t, err, 1348, "Column 'created' of table 'customers' cannot be set by INSERT: POST /v1/customers does not take it")
	s, cols, row = writeRow(t, "products", map[string]any{"active": int8(1)})
	_, err = op(t, s, Insert).createForm(s, cols, row)
	assertSQLError(t, err, 1048, "Column 'name' cannot be null: POST /v1/products requires it")
}

// CheckWrite refuses, before any request, what the endpoint does not take.
func TestCheckWrite(t *testing.T) {
	tests := []struct {
		table, kind string
		columns     []string
		code        uint16
		msg         string
	}{
		{"customers", Insert, []string{"email", "Metadata"}, 0, ""},
		{"customers", Insert, nil, 0, ""},
		{"customers", Update, []string{"default_source"}, 0, ""},
		{"customers", Insert, []string{"default_source"}, 1348, "Column 'default_source' of table 'customers' cannot be set by INSERT"},
		{"customers", Insert, []string{"planet"}, 1054, "Unknown column 'planet' in table 'customers'"},
		{"refunds", Update, []string{"amount"}, 1348, "Column 'amount' of table 'refunds' cannot be set by UPDATE: POST /v1/refunds/{refund} does not take it (columns it takes: metadata)"},
		{"products", Insert, []string{"description"}, 1364, "Field 'name' doesn't have a default value: POST /v1/products requires it"},
		{"tax_rates", Insert, []string{"display_name", "percentage"}, 1364, "Field 'inclusive'"},
		{"prices", Delete, nil, 1031, "Table 'prices' does not support DELETE: the Stripe API has no delete endpoint for prices (archive one instead: UPDATE prices SET active = FALSE"},
		{"refunds", Delete, nil, 1031, "Table 'refunds' does not support DELETE"},
		{"invoices", Insert, nil, 1031, "Table 'invoices' cannot be written: stripesql writes only to charges, coupons, customers, invoice_items, prices, products, refunds, tax_rates"},
		{"no_such_table", Insert, []string{"x"}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.table+" "+tt.kind+" "+strings.Join(tt.columns, ","), func(t *testing.T) {
			err := CheckWrite(tt.table, tt.kind, tt.columns)
			if tt.code == 0 {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			assertSQLError(t, err, tt.code, tt.msg)
		})
	}
}

func assertSQLError(t *testing.T, err error, code uint16, prefix string) {
	t.Helper()
	se, ok := err.(*mysql.SQLError)
	if !ok || se.Num != int(code) || !strings.HasPrefix(se.Message, prefix) {
		t.Errorf("error %v, want %d %q…", err, code, prefix)
	}
}
