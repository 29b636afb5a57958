package engine_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// A child table read with its parent key makes one request per parent;
// without it, it walks the parents; joins give the right rows.
func TestChildTables(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	lines := env.Fake.Objects("line_items")
	invoices := env.Fake.Objects("invoices")
	if len(lines) == 0 || len(invoices) == 0 {
		t.Fatal("fake has no invoices or lines")
	}
	// Each invoice embeds its lines (all of them in the fake: has_more is
	// false), which gives the expected rows independently of the lines
	// endpoint.
	inv := invoices[0]["id"].(string)
	want := len(embeddedLines(t, invoices[0]))

	rows := env.Rows(t, "SELECT id, invoice FROM invoice_line_items WHERE invoice = ?", inv)
	if len(rows) != want {
		t.Errorf("lines of %s: %d rows, want %d", inv, len(rows), want)
	}
	for _, r := range rows {
		if r[1] != inv {
			t.Errorf("line %s has invoice %s, want %s", r[0], r[1], inv)
		}
	}
	if got := env.Requests(); len(got) != 1 || got[0] != "GET /v1/invoices/"+inv+"/lines?limit=100" {
		t.Errorf("requests %v, want one list of %s's lines", got, inv)
	}

	// Without the parent key: every invoice is listed, then its lines.
	all := env.Rows(t, "SELECT id, invoice FROM invoice_line_items")
	if len(all) != len(lines) {
		t.Errorf("walk: %d lines, want %d", len(all), len(lines))
	}
	reqs := env.Requests()
	invoicePages := (len(invoices) + 99) / 100
	if len(reqs) < invoicePages+len(invoices) || !strings.HasPrefix(reqs[0], "GET /v1/invoices?limit=100") {
		t.Errorf("walk made %d requests (first %q), want %d invoice pages and one lines list per invoice", len(reqs), reqs[0], invoicePages)
	}

	// The join gives each invoice its own lines.
	joined := env.Rows(t, `SELECT i.id, l.id FROM invoices i JOIN invoice_line_items l ON l.invoice = i.id
		WHERE i.id = ?`, inv)
	if len(joined) != want {
		t.Errorf("join: %d rows, want %d", len(joined), want)
	}
	for _, r := range joined {
		if r[0] != inv {
			t.Errorf("join row %v belongs to another invoice", r)
		}
	}
	plan := fmt.Sprint(env.Rows(t, "EXPLAIN SELECT * FROM invoice_line_items"))
	if !strings.Contains(plan, "then for each invoice: GET /v1/invoices/{invoice}/lines") {
		t.Errorf("EXPLAIN does not say the parents are walked: %s", plan)
	}
}

func embeddedLines(t *testing.T, invoice map[string]any) []any {
	l, _ := invoice["lines"].(map[string]any)
	if l == nil || l["has_more"] != false {
		t.Fatalf("invoice %v does not embed all its lines", invoice["id"])
	}
	data, _ := l["data"].([]any)
	return data
}

func TestRemovedTableExplains(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	msg := env.Error(t, "SELECT * FROM recipients")
	for _, w := range []string{"1146", "transfers", "Connect"} {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q lacks %q", msg, w)
		}
	}
}
