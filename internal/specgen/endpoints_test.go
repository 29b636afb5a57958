package main

import (
	"slices"
	"strings"
	"testing"
)

func TestListEndpointsFromRealSpec(t *testing.T) {
	spec, _ := loadRealSpec(t)
	endpoints, err := spec.listEndpoints()
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]listEndpoint{}
	top := 0
	for _, e := range endpoints {
		byPath[e.Path] = e
		if !strings.Contains(e.Path, "{") {
			top++
		}
		if strings.HasSuffix(e.Path, "/search") {
			t.Errorf("%s is a search endpoint (search_result), not a list", e.Path)
		}
	}
	// The 2023-10-16 spec: 110 list endpoints, 83 of them top-level.
	if len(endpoints) != 110 || top != 83 {
		t.Errorf("got %d list endpoints, %d top-level; want 110 and 83", len(endpoints), top)
	}
	cases := []struct {
		path     string
		objects  []string
		required []string
		retrieve string
	}{
		{"/v1/charges", []string{"charge"}, nil, "/v1/charges/{charge}"},
		{"/v1/accounts/{account}/external_accounts", []string{"bank_account", "card"}, nil, "/v1/accounts/{account}/external_accounts/{id}"},
		{"/v1/treasury/transactions", []string{"treasury.transaction"}, []string{"financial_account"}, "/v1/treasury/transactions/{id}"},
		{"/v1/apps/secrets", []string{"apps.secret"}, []string{"scope"}, ""},
		{"/v1/invoices/{invoice}/lines", []string{"line_item"}, nil, ""},
		// The parent is {id} in the list's path and {transfer} in the object's.
		{"/v1/transfers/{id}/reversals", []string{"transfer_reversal"}, nil, "/v1/transfers/{transfer}/reversals/{id}"},
		{"/v1/reporting/report_types", []string{"reporting.report_type"}, nil, "/v1/reporting/report_types/{report_type}"},
	}
	for _, c := range cases {
		e, ok := byPath[c.path]
		if !ok {
			t.Errorf("%s: not found among the list endpoints", c.path)
			continue
		}
		if !slices.Equal(e.Objects, c.objects) || !slices.Equal(e.Required, c.required) || e.Retrieve != c.retrieve {
			t.Errorf("%s: objects %q required %q retrieve %q; want %q %q %q", c.path, e.Objects, e.Required, e.Retrieve, c.objects, c.required, c.retrieve)
		}
		if e.Description == "" {
			t.Errorf("%s: no description", c.path)
		}
	}
	// Every list pages but three, which answer every object at once.
	var unpaged []string
	for _, e := range endpoints {
		if !e.Paged {
			unpaged = append(unpaged, e.Path)
		}
	}
	if want := []string{"/v1/accounts/{account}/capabilities", "/v1/payment_method_configurations", "/v1/reporting/report_types"}; !slices.Equal(unpaged, want) {
		t.Errorf("unpaged lists %q, want %q", unpaged, want)
	}
	// A child list's parent id is a required path parameter.
	lines := byPath["/v1/invoices/{invoice}/lines"]
	if i := slices.IndexFunc(lines.Params, func(p listParam) bool { return p.Name == "invoice" }); i < 0 || lines.Params[i].In != "path" || !lines.Params[i].Required {
		t.Errorf("invoice lines' params %+v: want invoice as a required path parameter", lines.Params)
	}
}
