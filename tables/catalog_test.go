package tables

import (
	"slices"
	"strings"
	"testing"
)

// The naming rule of the tables declared from the catalog.
func TestCatalogNames(t *testing.T) {
	for path, want := range map[string]string{
		"/v1/topups":                                    "topups",
		"/v1/issuing/cards":                             "issuing_cards",
		"/v1/treasury/transactions":                     "treasury_transactions",
		"/v1/radar/early_fraud_warnings":                "radar_early_fraud_warnings",
		"/v1/test_helpers/test_clocks":                  "test_clocks",
		"/v1/customers/{customer}/tax_ids":              "customer_tax_ids",
		"/v1/transfers/{id}/reversals":                  "transfer_reversals",
		"/v1/checkout/sessions/{session}/line_items":    "checkout_session_line_items",
		"/v1/accounts/{account}/persons":                "account_persons",
		"/v1/sources/{source}/source_transactions":      "source_transactions",
		"/v1/tax/calculations/{calculation}/line_items": "tax_calculation_line_items",
	} {
		if got := catalogName(path); got != want {
			t.Errorf("catalogName(%s) = %s, want %s", path, got, want)
		}
	}
}

// Every list endpoint of the spec is a table or an alias of one, never
// both, never neither; an alias's table serves its objects.
func TestEveryListIsATable(t *testing.T) {
	tablesOf := map[string][]string{}
	for _, s := range Specs() {
		tablesOf[s.Path] = append(tablesOf[s.Path], s.Name)
	}
	aliased := map[string]string{}
	for _, a := range Aliases() {
		aliased[a.Path] = a.Table
	}
	for _, e := range listEndpoints {
		alias, isAlias := aliased[e.Path]
		switch {
		case isAlias && len(tablesOf[e.Path]) > 0:
			t.Errorf("%s is a table (%v) and an alias of %s", e.Path, tablesOf[e.Path], alias)
		case isAlias:
			s, ok := Lookup(alias)
			if !ok {
				t.Errorf("%s: alias of no table %s", e.Path, alias)
			} else if !slices.Contains(e.Objects, s.Object) {
				t.Errorf("%s lists %v, its alias %s serves %s", e.Path, e.Objects, alias, s.Object)
			}
		case len(tablesOf[e.Path]) == 0:
			t.Errorf("%s is no table", e.Path)
		}
	}
	if len(listEndpoints) < 110 {
		t.Errorf("%d list endpoints, want the spec's 110", len(listEndpoints))
	}
}

// Each required query parameter of a list is supplied: by the parent a
// query pins or the table walks, or by a column every query pins.
func TestRequiredParametersAreSupplied(t *testing.T) {
	for _, s := range Specs() {
		e := endpointOf(s.Path)
		for _, r := range e.Required {
			ok := s.Parent != nil && (s.Parent.InQuery && s.Parent.Param == r || slices.Contains(s.Parent.With, r))
			for _, c := range s.Requires {
				p, _ := s.FilterParam(c)
				ok = ok || p == r || strings.HasPrefix(p, r+"[")
			}
			if !ok {
				t.Errorf("%s: nothing supplies %s's required %s", s.Name, s.Path, r)
			}
		}
		if p := s.Parent; p != nil && p.Table == "" && !s.Required(p.Column) {
			t.Errorf("%s: a parent no table lists, not required", s.Name)
		}
		for _, c := range s.Requires {
			if _, ok := s.FilterOf(c); !ok && (s.Parent == nil || s.Parent.Column != c) {
				t.Errorf("%s: required %s is neither a filter nor the parent", s.Name, c)
			}
		}
	}
}

// A polymorphic list has every column of each object: NULL on a row of
// the kind lacking it.
func TestUnionColumns(t *testing.T) {
	s, ok := Lookup("account_external_accounts")
	if !ok {
		t.Fatal("no account_external_accounts")
	}
	cols, err := s.AllColumns()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Column{}
	for _, c := range cols {
		if _, dup := byName[c.Name]; dup {
			t.Errorf("column %s twice", c.Name)
		}
		byName[c.Name] = c
	}
	for _, o := range []string{"bank_account", "card"} {
		for _, c := range objectColumns[o] {
			u, ok := byName[c.Name]
			if !ok {
				t.Errorf("%s's %s is no column", o, c.Name)
				continue
			}
			if u.Kind != c.Kind && u.Kind != KindJSON {
				t.Errorf("%s: kind %v, %s's is %v", c.Name, u.Kind, o, c.Kind)
			}
		}
	}
	for name, nullable := range map[string]bool{"id": false, "routing_number": true, "brand": true} {
		if c, ok := byName[name]; !ok || c.Nullable != nullable {
			t.Errorf("%s: %+v, want nullable %v", name, c, nullable)
		}
	}
}

// A generated table's comment is the spec's description of its
// endpoint, with its path, and says how a query must or may pin it.
func TestCatalogComments(t *testing.T) {
	for name, want := range map[string]string{
		"topups":                      "Top-ups (GET /v1/topups)",
		"customer_tax_ids":            "Tax IDs for a customer (GET /v1/customers/{customer}/tax_ids); WHERE customer = … reads one customer's, otherwise every customer is walked",
		"checkout_session_line_items": "Line items of checkout sessions (GET /v1/checkout/sessions/{session}/line_items); WHERE session = … reads one checkout session's, otherwise every checkout session is walked",
		"tax_calculation_line_items":  "Line items of a persisted tax calculation as a collection (GET /v1/tax/calculations/{calculation}/line_items); every query pins calculation (= or IN (…) or a join): Stripe lists nothing without it",
	} {
		if s, ok := Lookup(name); !ok || s.Comment != want {
			t.Errorf("%s: comment %q, want %q", name, s.Comment, want)
		}
	}
	for _, s := range Specs() {
		if s.Comment == "" || strings.ContainsAny(s.Comment, "<>") {
			t.Errorf("%s: comment %q", s.Name, s.Comment)
		}
	}
}

// What the spec cannot say, said once: a capability's id is unique within
// its account only (no key, no retrieve), treasury lists are asked in
// created order, an account's owners are listed per its ownership.
func TestCatalogTweaks(t *testing.T) {
	caps, _ := Lookup("account_capabilities")
	if caps.KeyColumn() != "" || caps.Retrievable() {
		t.Errorf("account_capabilities: key %q, retrievable %v", caps.KeyColumn(), caps.Retrievable())
	}
	for _, name := range []string{"treasury_transactions", "treasury_transaction_entries"} {
		if s, _ := Lookup(name); s.Defaults["order_by"] != "created" || s.FilterOnly("order_by") {
			t.Errorf("%s: defaults %v", name, s.Defaults)
		}
	}
	owners, _ := Lookup("financial_connections_account_owners")
	if p := owners.Parent; p == nil || p.Table != "financial_connections_accounts" || !slices.Equal(p.With, []string{"ownership"}) || len(owners.Requires) > 0 {
		t.Errorf("financial_connections_account_owners: parent %+v, requires %v", owners.Parent, owners.Requires)
	}
}
