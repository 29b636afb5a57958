package fakestripe

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// catalogRequest is a request of ep's list that lists rows: its path with
// a parent that has some, and the parameters it requires, taken from one
// of those rows.
func catalogRequest(t *testing.T, d *dataset, ep listEndpoint) (path string, q url.Values) {
	t.Helper()
	q = url.Values{}
	switch ep.Path {
	case "/v1/invoices/upcoming/lines":
		for c := range d.customerRows {
			if sub := d.nextBillingSubscription(int32(c)); sub >= 0 && d.subscriptionRows[sub].billsAgain() {
				q.Set("customer", d.customers.ids[c])
				return ep.Path, q
			}
		}
		t.Fatal("no customer with an upcoming invoice")
	case "/v1/credit_notes/preview/lines":
		for inv := range d.invoiceRows {
			if len(d.lineItems.byParent.of(int32(inv))) > 0 {
				q.Set("invoice", d.invoices.ids[inv])
				return ep.Path, q
			}
		}
		t.Fatal("no invoice with lines")
	case "/v1/credit_notes/{credit_note}/lines":
		return strings.Replace(ep.Path, "{credit_note}", d.creditNotes.ids[0], 1), q
	case sourcesPath:
		q.Set("object", "card")
	}
	tb, parent, rowsOf := catalogTable(t, d, ep.Path)
	row := int32(tb.len() - 1)
	if parent != nil {
		p := int32(0)
		for ; int(p) < parent.len() && len(rowsOf(p)) == 0; p++ {
		}
		if int(p) == parent.len() {
			t.Fatalf("%s: no parent has rows", ep.Path)
		}
		row = rowsOf(p)[0]
		open := strings.Index(ep.Path, "{")
		end := strings.Index(ep.Path, "}")
		path = ep.Path[:open] + parent.ids[p] + ep.Path[end+1:]
	} else {
		path = ep.Path
	}
	obj := d.render(tb, row)
	for _, name := range ep.Required {
		lp := paramNamed(ep, name)
		value := lookupPath(obj, filterPath(lp, obj))
		if lp.Type == "object" {
			sub, _ := value.(map[string]any)
			for _, k := range sortedKeys(sub) {
				if s, ok := scalarString(sub[k]); ok {
					q.Set(name+"["+k+"]", s)
				}
			}
			continue
		}
		s, ok := scalarString(value)
		if !ok {
			t.Fatalf("%s: row %s has no %s", ep.Path, tb.ids[row], name)
		}
		q.Set(name, s)
	}
	return path, q
}

// catalogTable is the table a list shows, and for a child list its
// parents' table and their rows.
func catalogTable(t *testing.T, d *dataset, path string) (tb, parent *table, rowsOf func(int32) []int32) {
	t.Helper()
	for _, v := range d.generic.views {
		if v.path == path && v.t != nil && !v.retrieveOnly {
			return v.t, v.parent, v.rowsOf
		}
	}
	for _, tb := range d.tables {
		if tb.def.listPath == path {
			if strings.Contains(path, "{") {
				return tb, d.tables[tb.def.parent], tb.byParent.of
			}
			return tb, nil, nil
		}
	}
	t.Fatalf("%s: no table serves it", path)
	return nil, nil, nil
}

func paramNamed(ep listEndpoint, name string) listParam {
	for _, p := range ep.Params {
		if p.Name == name {
			return p
		}
	}
	return listParam{Name: name}
}

// retrievePath fills a retrieve path's parameters: the parent's id from
// the list's path, then the object's.
func retrievePath(pattern, listPath, id string) string {
	list := strings.Split(listPath, "/")
	seg := strings.Split(pattern, "/")
	for k, s := range seg {
		if strings.HasPrefix(s, "{") {
			if k < len(list) {
				seg[k] = list[k]
			} else {
				seg[k] = id
			}
		}
	}
	return strings.Join(seg, "/")
}

// Every list endpoint of the spec answers rows of its objects, each with
// exactly its fixture's top-level keys, and each retrievable where the
// spec has a retrieve endpoint: a list added to lists_gen.json cannot be
// left unserved.
func TestEveryListEndpointServesRows(t *testing.T) {
	s := shared()
	eps, err := loadLists()
	if err != nil {
		t.Fatal(err)
	}
	if len(eps) < 100 {
		t.Fatalf("lists_gen.json has %d lists", len(eps))
	}
	for _, ep := range eps {
		t.Run(ep.Path, func(t *testing.T) {
			path, q := catalogRequest(t, s.data, ep)
			list := mustGet(t, s, path+"?"+q.Encode())
			if list["object"] != "list" || list["url"] != path {
				t.Errorf("envelope: object %v, url %v", list["object"], list["url"])
			}
			data, _ := list["data"].([]any)
			if len(data) == 0 {
				t.Fatalf("GET %s?%s: no rows", path, q.Encode())
			}
			for _, item := range data {
				obj := item.(map[string]any)
				object, _ := obj["object"].(string)
				if !slices.Contains(ep.Objects, object) {
					t.Fatalf("%v: object %q, the spec lists %v", obj["id"], object, ep.Objects)
				}
				if want := sortedKeys(s.data.fixtures[object]); !slices.Equal(sortedKeys(obj), want) {
					t.Errorf("%v: keys differ from the %s fixture: extra %v, missing %v",
						obj["id"], object, minus(sortedKeys(obj), want), minus(want, sortedKeys(obj)))
				}
				for k, v := range obj {
					if !sameKind(v, s.data.fixtures[object][k]) {
						t.Errorf("%v: %s is %T, the fixture's %T", obj["id"], k, v, s.data.fixtures[object][k])
					}
				}
				if live, ok := obj["livemode"]; ok && live != false {
					t.Errorf("%v: livemode %v", obj["id"], live)
				}
				if created, ok := obj["created"].(float64); ok && (int64(created) < fixedStart-365*day || int64(created) > fixedEnd) {
					t.Errorf("%v: created %v outside the account's window", obj["id"], created)
				}
			}
			if ep.Retrieve == "" {
				return
			}
			first := data[0].(map[string]any)
			one := mustGet(t, s, retrievePath(ep.Retrieve, path, first["id"].(string)))
			if !jsonEqual(one, first) {
				t.Errorf("retrieve of %v differs from the listed object", first["id"])
			}
		})
	}
}

// Lists without a limit in the spec answer every row and refuse paging.
func TestUnpaginatedListsMatchSpec(t *testing.T) {
	spec := stripeSpec(t)
	eps, _ := loadLists()
	for _, ep := range eps {
		hasLimit := false
		for _, p := range walkJSON(spec, "paths", ep.Path, "get", "parameters").([]any) {
			if p.(map[string]any)["name"] == "limit" {
				hasLimit = true
			}
		}
		if ep.Paged != hasLimit {
			t.Errorf("%s: paged %v, the spec's limit %v", ep.Path, ep.Paged, hasLimit)
		}
	}
	s := shared()
	acct := s.ConnectedAccounts()[0]
	res := get(t, s, "/v1/accounts/"+acct+"/capabilities?limit=1")
	if e := errorOf(t, res); res.status != http.StatusBadRequest || e["message"] != "Received unknown parameter: limit" {
		t.Errorf("capabilities?limit=1: %d %v", res.status, e)
	}
	types := mustGet(t, s, "/v1/reporting/report_types")
	if data := types["data"].([]any); len(data) != len(namedIDs["reporting.report_type"]) || types["has_more"] != false {
		t.Errorf("report types: %d rows, has_more %v", len(data), types["has_more"])
	}
}

// Every reference a generic row holds names a row of the table it
// refers to, and some references of each kind are set: joins work.
func TestGenericReferencesResolve(t *testing.T) {
	s := shared()
	d := s.data
	g := &d.generic
	refs := 0
	for _, name := range sortedKeys(g.tables) {
		tb := g.tables[name]
		for row := int32(0); int(row) < tb.len(); row++ {
			obj := d.render(tb, row)
			fixture := d.fixtures[obj["object"].(string)]
			for _, k := range sortedKeys(obj) {
				target := g.targetOf(d, obj["object"].(string), k, fixture[k])
				id, set := scalarString(obj[k])
				if target == nil || !set {
					continue
				}
				refs++
				// Copied from a related row, the id may be of another
				// table than the fixture's (a payment method that is a
				// card): the one its prefix names.
				if byPrefix := d.tableForID(id); byPrefix != nil {
					target = byPrefix
				}
				if _, ok := target.lookup(id); !ok {
					t.Errorf("%s %s: %s = %s, no such row of %s", name, tb.ids[row], k, id, target.def.name)
				}
			}
		}
	}
	if refs < 500 {
		t.Errorf("only %d references in the generic tables", refs)
	}
}

// Related rows agree, and children point at their parent, table by
// table: what a join in stripesql relies on.
func TestGenericJoins(t *testing.T) {
	s := shared()
	all := func(resource string) map[string]map[string]any { return byID(s.Objects(resource)) }
	for _, c := range []struct {
		table, field, target string
		// same: properties the row and the one it refers to share.
		same []string
	}{
		{"issuing_cards", "cardholder", "issuing_cardholders", nil},
		{"issuing_transactions", "card", "issuing_cards", []string{"cardholder"}},
		{"issuing_transactions", "authorization", "issuing_authorizations", []string{"card", "cardholder"}},
		{"issuing_authorizations", "card", "issuing_cards", []string{"cardholder"}},
		{"issuing_tokens", "card", "issuing_cards", nil},
		{"issuing_disputes", "transaction", "issuing_transactions", nil},
		{"treasury_transactions", "financial_account", "treasury_financial_accounts", nil},
		{"treasury_received_credits", "financial_account", "treasury_financial_accounts", nil},
		{"treasury_received_credits", "transaction", "treasury_transactions", []string{"financial_account"}},
		{"treasury_transaction_entries", "transaction", "treasury_transactions", []string{"financial_account"}},
		{"treasury_credit_reversals", "received_credit", "treasury_received_credits", []string{"financial_account"}},
		{"setup_attempts", "setup_intent", "setup_intents", nil},
		{"radar_value_list_items", "value_list", "radar_value_lists", nil},
		{"radar_early_fraud_warnings", "charge", "charges", []string{"payment_intent"}},
		{"reviews", "charge", "charges", nil},
		{"identity_verification_reports", "verification_session", "identity_verification_sessions", nil},
		{"customers_tax_ids", "customer", "customers", nil},
		{"payment_methods", "customer", "customers", nil},
		{"transfers_reversals", "transfer", "transfers", nil},
		{"application_fees_refunds", "fee", "application_fees", nil},
		{"accounts_persons", "account", "connected_accounts", nil},
		{"subscription_items_usage_record_summaries", "subscription_item", "subscription_items", nil},
		{"financial_connections_transactions", "account", "financial_connections_accounts", nil},
		{"terminal_readers", "location", "terminal_locations", nil},
		{"quotes", "customer", "customers", nil},
		{"file_links", "file", "files", nil},
	} {
		t.Run(c.table+"."+c.field, func(t *testing.T) {
			targets := all(c.target)
			set := 0
			for _, obj := range s.Objects(c.table) {
				id, ok := scalarString(obj[c.field])
				if !ok {
					continue
				}
				set++
				target, found := targets[id]
				if !found {
					t.Fatalf("%s: %s %s is not in %s", obj["id"], c.field, id, c.target)
				}
				for _, f := range c.same {
					mine, _ := scalarString(obj[f])
					theirs, _ := scalarString(target[f])
					if mine != theirs {
						t.Errorf("%s: %s %q, its %s's %q", obj["id"], f, mine, c.field, theirs)
					}
				}
			}
			if set == 0 {
				t.Errorf("no %s sets %s", c.table, c.field)
			}
		})
	}
}

// A child list shows its parent's rows only (some parents have none).
func TestGenericChildListsPerParent(t *testing.T) {
	s := shared()
	d := s.data
	for _, v := range d.generic.views {
		if v.parent == nil || v.t == nil || len(v.def.required) > 0 {
			continue // lists needing a parameter: the catalogue test has them
		}
		hides := slices.ContainsFunc(v.def.filters, func(f filterDef) bool { return f.absent != nil })
		t.Run(v.path, func(t *testing.T) {
			full := 0
			for p := int32(0); int(p) < v.parent.len() && full < 3; p++ {
				path := v.path[:strings.Index(v.path, "{")] + v.parent.ids[p] + v.path[strings.Index(v.path, "}")+1:]
				var want []string
				for _, row := range v.rowsOf(p) {
					want = append(want, v.t.ids[row])
				}
				if len(want) > 0 {
					full++
				}
				var got []string
				if v.def.unpaginated {
					for _, item := range mustGet(t, s, path)["data"].([]any) {
						got = append(got, item.(map[string]any)["id"].(string))
					}
				} else {
					got = ids(listAll(t, s, path, nil))
				}
				for _, id := range got {
					if !slices.Contains(want, id) {
						t.Errorf("%s lists %s of another parent", path, id)
					}
				}
				if len(got) != len(want) && !hides {
					t.Errorf("%s: %d rows, the parent has %d", path, len(got), len(want))
				}
			}
			if full == 0 {
				t.Errorf("no parent with rows among the first")
			}
		})
	}
}

// The same seed serves the same bytes on every list; another seed other
// ids.
func TestGenericDeterministic(t *testing.T) {
	a, b, other := New(Options{Seed: 7, Scale: 300}), New(Options{Seed: 7, Scale: 300}), New(Options{Seed: 8, Scale: 300})
	eps, _ := loadLists()
	for _, ep := range eps {
		path, q := catalogRequest(t, a.data, ep)
		url := path + "?" + q.Encode()
		if x, y := get(t, a, url), get(t, b, url); string(x.body) != string(y.body) {
			t.Errorf("%s: two servers of seed 7 differ", url)
		}
	}
	if a.Objects("issuing_cards")[0]["id"] == other.Objects("issuing_cards")[0]["id"] {
		t.Errorf("seeds 7 and 8 share ids")
	}
}

// Generic references expand like the hand-written ones, and a connected
// account (Stripe-Account) has generic lists of its own.
func TestGenericExpandAndConnect(t *testing.T) {
	s := shared()
	page := mustGet(t, s, "/v1/issuing/transactions?expand[]=data.card&expand[]=data.cardholder")
	for _, item := range page["data"].([]any) {
		tx := item.(map[string]any)
		card, ok := tx["card"].(map[string]any)
		if !ok || card["object"] != "issuing.card" {
			t.Fatalf("%v: card not expanded: %v", tx["id"], tx["card"])
		}
		if holder, ok := tx["cardholder"].(map[string]any); tx["cardholder"] != nil && (!ok || holder["object"] != "issuing.cardholder") {
			t.Errorf("%v: cardholder not expanded: %v", tx["id"], tx["cardholder"])
		}
	}
	res := get(t, s, "/v1/issuing/cards?expand[]=data.status")
	if e := errorOf(t, res); res.status != 400 || e["message"] != "This property cannot be expanded (status)." {
		t.Errorf("expand of a plain field: %d %v", res.status, e)
	}
	acct := s.ConnectedAccounts()[0]
	platform := s.Objects("issuing_cards")
	connected := s.ConnectedObjects(acct, "issuing_cards")
	if len(connected) == 0 || connected[0]["id"] == platform[0]["id"] {
		t.Errorf("connected account's issuing cards: %d, first %v", len(connected), connected)
	}
	r := do(t, s, http.MethodGet, "/v1/issuing/cards/"+connected[0]["id"].(string), func(r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+testKey)
		r.Header.Set("Stripe-Account", acct)
	})
	if r.status != http.StatusOK {
		t.Errorf("retrieve on the connected account: %d %s", r.status, r.body)
	}
}

// sameKind: a served value has its fixture's JSON type, or either is
// null, or it is an id where the fixture embeds the object (or the
// reverse): what Stripe's expandable fields hold.
func sameKind(served, fixture any) bool {
	kind := func(v any) string {
		switch v.(type) {
		case nil:
			return "null"
		case string:
			return "string"
		case bool:
			return "bool"
		case map[string]any:
			return "object"
		case []any:
			return "array"
		}
		return "number"
	}
	a, b := kind(served), kind(fixture)
	ids := map[string]bool{"string": true, "object": true}
	return a == b || a == "null" || b == "null" || ids[a] && ids[b]
}

// Sources are a customer's (listed with object=source) and have their
// transactions; a customer's payment methods are the payment methods
// whose customer it is.
func TestGenericCustomerLists(t *testing.T) {
	s := shared()
	var walked int
	for _, c := range s.Objects("customers")[:60] {
		id := c["id"].(string)
		for _, src := range listAll(t, s, "/v1/customers/"+id+"/sources", url.Values{"object": {"source"}}) {
			if src["object"] != "source" || src["customer"] != id {
				t.Fatalf("%s's sources list %v of customer %v", id, src["id"], src["customer"])
			}
			walked += len(listAll(t, s, "/v1/sources/"+src["id"].(string)+"/source_transactions", nil))
			mustGet(t, s, "/v1/customers/"+id+"/sources/"+src["id"].(string))
		}
	}
	if walked == 0 {
		t.Errorf("no source transaction reached through the first customers' sources")
	}
	byCustomer := map[string][]string{}
	for _, pm := range s.ListObjects("/v1/payment_methods") {
		if c, ok := pm["customer"].(string); ok {
			byCustomer[c] = append(byCustomer[c], pm["id"].(string))
		}
	}
	if len(byCustomer) == 0 {
		t.Fatal("no payment method has a customer")
	}
	for c, want := range byCustomer {
		if got := ids(listAll(t, s, "/v1/customers/"+c+"/payment_methods", nil)); !slices.Equal(got, want) {
			t.Errorf("%s's payment methods %v, want %v", c, got, want)
		}
	}
	if s.ListObjects("/v1/nope") != nil || len(s.ListObjects("/v1/issuing/cards")) == 0 {
		t.Errorf("ListObjects")
	}
}

// Children are in their parent's currency and of at most its amount; a
// line item's amounts are its price's, in its session's currency.
func TestGenericAmounts(t *testing.T) {
	s := shared()
	for _, c := range []struct{ children, field, parents string }{
		{"transfers_reversals", "transfer", "transfers"},
		{"application_fees_refunds", "fee", "application_fees"},
	} {
		parents := byID(s.Objects(c.parents))
		for _, o := range s.Objects(c.children) {
			p := parents[o[c.field].(string)]
			if o["currency"] != p["currency"] || num(o, "amount") > num(p, "amount") || num(o, "amount") < 1 {
				t.Errorf("%s %v: %d %v of %s %d %v", c.children, o["id"], num(o, "amount"), o["currency"], c.field, num(p, "amount"), p["currency"])
			}
		}
	}
	sessions := s.data.generic.tables["checkout_sessions_line_items"]
	same := 0
	for i, item := range s.data.generic.rows[sessions].objs {
		price := item["price"].(map[string]any)
		unit, _ := intValue(price["unit_amount"])
		quantity, _ := intValue(item["quantity"])
		if total, _ := intValue(item["amount_total"]); total != unit*quantity || item["currency"] != price["currency"] {
			t.Errorf("%v: %d %v for %d × %d %v", item["id"], total, item["currency"], quantity, unit, price["currency"])
		}
		if session := s.data.render(s.data.checkoutSessions, sessions.parents[i]); session["currency"] == item["currency"] {
			same++
		}
	}
	if same*10 < sessions.len()*9 {
		t.Errorf("%d of %d line items in their session's currency", same, sessions.len())
	}
}

// Every property of every generic object is what spec3.json says it is
// (stripe-mock's own description of the object): its type, one of its
// enum values, null only where nullable. The rewritten references, the
// varied enums and times included.
func TestGenericObjectsMatchSpec(t *testing.T) {
	spec := stripeSpec(t)
	s := shared()
	g := &s.data.generic
	schemas := walkJSON(spec, "components", "schemas").(map[string]any)
	var resolve func(v any) map[string]any
	resolve = func(v any) map[string]any {
		m, _ := v.(map[string]any)
		if ref, ok := m["$ref"].(string); ok {
			return resolve(schemas[strings.TrimPrefix(ref, "#/components/schemas/")])
		}
		return m
	}
	var valid func(v any, sch map[string]any) bool
	valid = func(v any, sch map[string]any) bool {
		if v == nil {
			return sch["nullable"] == true
		}
		if alts, ok := sch["anyOf"].([]any); ok {
			for _, alt := range alts {
				if valid(v, resolve(alt)) {
					return true
				}
			}
			return false
		}
		if enum, ok := sch["enum"].([]any); ok && !slices.Contains(enum, v) {
			return false
		}
		switch sch["type"] {
		case "string":
			_, ok := v.(string)
			return ok
		case "boolean":
			_, ok := v.(bool)
			return ok
		case "integer":
			n, ok := v.(float64)
			return ok && n == float64(int64(n))
		case "number":
			_, ok := v.(float64)
			return ok
		case "array":
			_, ok := v.([]any)
			return ok
		}
		_, ok := v.(map[string]any) // an object
		return ok
	}
	checked := 0
	for _, name := range sortedKeys(g.tables) {
		for _, obj := range s.Objects(name) {
			schema := resolve(schemas[obj["object"].(string)])
			props := schema["properties"].(map[string]any)
			required, _ := schema["required"].([]any)
			for _, k := range sortedKeys(obj) {
				// An optional property left out is null in the fixture.
				optional := obj[k] == nil && !slices.Contains(required, any(k))
				if !optional && !valid(obj[k], resolve(props[k])) {
					t.Errorf("%s %v: %s = %v does not match the spec's %v", name, obj["id"], k, obj[k], props[k])
				}
				checked++
			}
		}
	}
	if checked < 9000 {
		t.Errorf("only %d properties checked", checked)
	}
}

// A polymorphic list's rows have the ids of their own object: an
// account's external accounts are ba_… bank accounts and card_… cards.
func TestGenericPolymorphicIDs(t *testing.T) {
	want := map[string]string{"bank_account": "ba_", "card": "card_"}
	seen := map[string]int{}
	// The demo's account (seed 1) has both kinds; the shared one only bank accounts.
	for _, s := range []*Server{shared(), New(Options{Seed: 1})} {
		for _, o := range s.ListObjects("/v1/accounts/{account}/external_accounts") {
			id, _ := o["id"].(string)
			object, _ := o["object"].(string)
			if !strings.HasPrefix(id, want[object]) || want[object] == "" {
				t.Errorf("%s %s: want the prefix %q", object, id, want[object])
			}
			seen[object]++
		}
	}
	if seen["bank_account"] == 0 || seen["card"] == 0 {
		t.Errorf("external accounts of each kind: %v, want both", seen)
	}
}
