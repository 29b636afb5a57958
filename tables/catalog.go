package tables

import (
	"fmt"
	"html"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Every list endpoint of the OpenAPI spec (listEndpoints, generated) is a
// table. The resource files (charges.go, …) declare the tables whose
// spec says more than the API's: their path is theirs. Every other list
// is declared here from the generated catalog alone, under one naming
// rule (catalogName), with what the spec cannot say kept to the small
// maps below: which lists are aliases of another table, which table
// lists the objects a required parameter takes, and per-path tweaks.

// Alias is a list endpoint served by another table: a former path, or a
// narrower view of the same objects.
type Alias struct {
	Path  string
	Table string
	// Why says how the table answers what the endpoint does.
	Why string
}

// aliases are the list endpoints that are not tables of their own.
var aliases = []Alias{
	{"/v1/balance/history", "balance_transactions", "the former path of GET /v1/balance_transactions: the same objects and parameters"},
	{"/v1/accounts/{account}/people", "account_persons", "the same persons as GET /v1/accounts/{account}/persons"},
	{"/v1/linked_accounts", "financial_connections_accounts", "the former path of GET /v1/financial_connections/accounts"},
	{"/v1/linked_accounts/{account}/owners", "financial_connections_account_owners", "the former path of GET /v1/financial_connections/accounts/{account}/owners"},
	{"/v1/climate/reservations", "climate_orders", "the same climate.order objects as GET /v1/climate/orders"},
	{"/v1/customers/{customer}/bank_accounts", "bank_accounts", "GET /v1/customers/{customer}/sources?object=bank_account lists the same bank accounts"},
	{"/v1/customers/{customer}/cards", "cards", "GET /v1/customers/{customer}/sources?object=card lists the same cards"},
	{"/v1/charges/{charge}/refunds", "refunds", "a charge's refunds are refunds WHERE charge = …, one request (GET /v1/refunds?charge=…)"},
	{"/v1/customers/{customer}/subscriptions", "subscriptions", "a customer's subscriptions are subscriptions WHERE customer = …, one request (GET /v1/subscriptions?customer=…&status=all, canceled ones included)"},
}

// Aliases returns the list endpoints served by another table, by path.
func Aliases() []Alias { return slices.Clone(aliases) }

// requiredParents names, for a required query parameter taking the id of
// another table's object, that table: a query not pinning the parameter
// walks it, as a child list walks its parent (treasury lists per
// financial account). A required parameter not named here must be pinned
// by every query (Spec.Requires).
var requiredParents = map[string]string{
	"financial_account": "treasury_financial_accounts",
	"card":              "issuing_cards",
	"value_list":        "radar_value_lists",
	"setup_intent":      "setup_intents",
	"account":           "financial_connections_accounts", // of GET /v1/financial_connections/transactions
}

// parentTables names the table listing the parents of a child list when
// no list endpoint has the parent's path: Source objects are listed per
// customer only (GET /v1/customers/{customer}/sources?object=source).
var parentTables = map[string]string{"/v1/sources": "sources"}

// catalogTweaks say of a generated table what the spec cannot.
var catalogTweaks = map[string]func(*Spec){
	// A capability's id is its name (card_payments): unique within an
	// account only, so no key across accounts.
	"/v1/accounts/{account}/capabilities": func(s *Spec) { s.Key = "-" },
	// order_by=posted_at would list by another time than created: a
	// created range read newest first must ask for created.
	"/v1/treasury/transactions":        orderByCreated,
	"/v1/treasury/transaction_entries": orderByCreated,
	// The owners of an account are listed per its ownership, a field of
	// the account that no list of ownerships offers: the walk of the
	// accounts supplies it.
	"/v1/financial_connections/accounts/{account}/owners": func(s *Spec) {
		s.Parent.With, s.Requires = []string{"ownership"}, nil
	},
}

func orderByCreated(s *Spec) { s.Defaults = map[string]string{"order_by": "created"} }

var catalogOnce sync.Once

// specs is the registry with the catalog's tables added: those are
// declared once the resource files' init functions have claimed their
// paths.
func specs() map[string]*Spec {
	catalogOnce.Do(func() {
		for _, s := range catalogSpecs() {
			register(s)
		}
	})
	return registry
}

// catalogSpecs declares a table for every list endpoint without a
// resource file or an alias.
func catalogSpecs() []*Spec {
	byPath := map[string]string{}
	for _, s := range registry {
		if _, ok := byPath[s.Path]; !ok || s.Name < byPath[s.Path] {
			byPath[s.Path] = s.Name
		}
	}
	served := map[string]bool{}
	for p := range byPath {
		served[p] = true
	}
	for _, a := range aliases {
		served[a.Path] = true
	}
	var out []*Spec
	for _, e := range listEndpoints {
		if served[e.Path] {
			continue
		}
		s := catalogSpec(e)
		byPath[e.Path] = s.Name
		out = append(out, s)
	}
	for p, table := range parentTables {
		byPath[p] = table
	}
	for _, s := range out {
		if s.Parent != nil && !s.Parent.InQuery {
			s.Parent.Table = byPath[parentPath(s.Path)]
			if s.Parent.Table == "" {
				s.Requires = append(s.Requires, s.Parent.Column)
			}
		}
		if tweak := catalogTweaks[s.Path]; tweak != nil {
			tweak(s)
		}
		s.Comment = catalogComment(s, endpointOf(s.Path))
	}
	return out
}

// catalogSpec is the table of list endpoint e, its parent's table not
// yet resolved.
func catalogSpec(e ListEndpoint) *Spec {
	s := &Spec{Name: catalogName(e.Path), Object: unionObject(e.Objects), Path: e.Path, NoRetrieve: e.Retrieve == ""}
	if p, ok := s.Param("created"); ok && p.Range && p.Field == "created" {
		s.Created = true
	}
	s.Unpaged = !e.Paged
	if i := strings.LastIndex(e.Path, "/{"); i >= 0 {
		param := e.Path[i+2 : i+strings.Index(e.Path[i:], "}")]
		col := param
		if col == "id" {
			// The parent's id cannot be the column id: the object's own.
			col = Singular(e.Path[strings.LastIndex(e.Path[:i], "/")+1 : i])
		}
		s.Parent = &Parent{Column: col, Param: param}
		// A child's retrieve needs its parent's id too: GET Path/{id}
		// cannot answer id = … alone.
		s.NoRetrieve = true
	}
	for _, r := range e.Required {
		if table, ok := requiredParents[r]; ok {
			s.Parent = &Parent{Table: table, Column: r, Param: r, InQuery: true}
		} else {
			s.Requires = append(s.Requires, r)
		}
	}
	return s
}

// catalogName is the table of a list path: its segments joined by "_"
// (the namespace first: issuing_cards, treasury_transactions), without
// test_helpers (test_clocks); a child list is its parent's name in the
// singular followed by its own (customer_tax_ids,
// checkout_session_line_items), unless its own already starts so
// (source_transactions, not source_source_transactions).
func catalogName(path string) string {
	var segs []string
	for _, seg := range strings.Split(strings.TrimPrefix(path, "/v1/"), "/") {
		if seg != "test_helpers" {
			segs = append(segs, seg)
		}
	}
	i := slices.IndexFunc(segs, func(s string) bool { return strings.HasPrefix(s, "{") })
	if i < 0 {
		return strings.Join(segs, "_")
	}
	parent, own := Singular(strings.Join(segs[:i], "_")), strings.Join(segs[i+1:], "_")
	if strings.HasPrefix(own, Singular(segs[i-1])+"_") {
		return own
	}
	return parent + "_" + own
}

// parentPath is the list path of a child list's parents.
func parentPath(path string) string {
	return path[:strings.LastIndex(path, "/{")]
}

// unionSep joins the objects of a polymorphic list into the name of
// their union's columns.
const unionSep = "|"

// unionObject names the objects a list returns: one schema, or for a
// polymorphic list (an account's external accounts: bank accounts and
// cards) their union, whose columns unionColumns adds to objectColumns.
func unionObject(objects []string) string {
	name := strings.Join(objects, unionSep)
	if len(objects) > 1 {
		if _, ok := objectColumns[name]; !ok {
			objectColumns[name] = unionColumns(objects)
		}
	}
	return name
}

// unionColumns are the columns of each object, once: a column some
// objects lack is nullable (NULL on those rows), and one the objects
// hold as different kinds is JSON, which holds any value.
func unionColumns(objects []string) []Column {
	var out []Column
	seen := map[string]int{}
	for _, o := range objects {
		for _, c := range objectColumns[o] {
			i, ok := seen[c.Name]
			if !ok {
				seen[c.Name] = len(out)
				out = append(out, c)
				continue
			}
			if out[i].Kind != c.Kind {
				out[i].Kind, out[i].Text = KindJSON, 0
			}
			out[i].Nullable = out[i].Nullable || c.Nullable
			out[i].Text = max(out[i].Text, c.Text)
		}
	}
	for i := range out {
		held := 0
		for _, o := range objects {
			if HasColumn(objectColumns[o], out[i].Name) {
				held++
			}
		}
		if held < len(objects) {
			out[i].Nullable = true
		}
	}
	return out
}

// endpointOf is the generated description of a list path.
func endpointOf(path string) ListEndpoint {
	i := sort.Search(len(listEndpoints), func(i int) bool { return listEndpoints[i].Path >= path })
	if i < len(listEndpoints) && listEndpoints[i].Path == path {
		return listEndpoints[i]
	}
	return ListEndpoint{}
}

// catalogComment is a generated table's comment: the first sentence of
// the endpoint's description, its GET path, and how a query reads it.
func catalogComment(s *Spec, e ListEndpoint) string {
	what := firstSentence(e.Description)
	if s.Parent != nil && !s.Parent.InQuery && aboutTheParent.MatchString(what) {
		// "When retrieving a quote, there is an includable line_items
		// property …" describes the parent, not the table.
		own := s.Path[strings.LastIndex(s.Path, "/")+1:]
		what = strings.ReplaceAll(own, "_", " ") + " of " + strings.ReplaceAll(Singular(catalogName(parentPath(s.Path))), "_", " ") + "s"
	}
	c := upperFirst(what) + " (GET " + s.Path + ")"
	switch p := s.Parent; {
	case len(s.Requires) > 0:
		c += fmt.Sprintf("; every query pins %s (= or IN (…) or a join): Stripe lists nothing without it", strings.Join(s.Requires, " and "))
	case p != nil:
		parent := strings.ReplaceAll(Singular(p.Table), "_", " ")
		c += fmt.Sprintf("; WHERE %s = … reads one %s's, otherwise every %s is walked", p.Column, parent, parent)
	}
	return c
}

var (
	htmlTag  = regexp.MustCompile(`<[^>]*>`)
	sentence = regexp.MustCompile(`^(.*?[a-z)])\.(\s|$)`)
	// listing is the "Returns a list of" that opens most descriptions:
	// every table comment would say it.
	listing = regexp.MustCompile(`^(Returns|Retrieves|Lists?)( a| the)?( full)?( list of| all)? `)
	// aboutTheParent opens the descriptions of child lists that describe
	// the parent's field instead (line items, refunds, reversals).
	aboutTheParent = regexp.MustCompile(`^(When retrieving|You can see|For the specified)`)
)

// firstSentence is a description's first sentence as plain text, without
// the words every list's description opens with.
func firstSentence(desc string) string {
	text := strings.Join(strings.Fields(html.UnescapeString(htmlTag.ReplaceAllString(desc, " "))), " ")
	text = strings.ReplaceAll(text, " .", ".")
	if m := sentence.FindStringSubmatch(text); m != nil {
		text = m[1]
	}
	return listing.ReplaceAllString(strings.TrimSuffix(text, "."), "")
}

// upperFirst capitalizes the first letter of s.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
