package fakestripe

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// fetchAll lists every row of path with q, paged or whole.
func fetchAll(t *testing.T, s *Server, path string, q url.Values, unpaged bool) []map[string]any {
	t.Helper()
	if !unpaged {
		return listAll(t, s, path, q)
	}
	var out []map[string]any
	for _, item := range mustGet(t, s, path+"?"+q.Encode())["data"].([]any) {
		out = append(out, item.(map[string]any))
	}
	return out
}

func withParam(q url.Values, key, value string) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = v
	}
	out.Set(key, value)
	return out
}

func keep(objs []map[string]any, pred func(map[string]any) bool) []string {
	out := []string{}
	for _, o := range objs {
		if pred(o) {
			out = append(out, o["id"].(string))
		}
	}
	return out
}

// paramCase is one value of a parameter and the rows it must keep.
type paramCase struct {
	key, value string
	want       func(map[string]any) bool
}

// paramCases derives, from the rows a list shows, values of p to send
// and which rows each keeps, from the JSON alone: ranges from a middle
// row's value, every enum value and boolean, a row's id or string, one
// sub-field of a hash.
func paramCases(p listParam, path []string, all []map[string]any) []paramCase {
	at := func(o map[string]any) any { return lookupPath(o, path) }
	str := func(o map[string]any) string { s, _ := scalarString(at(o)); return s }
	var cases []paramCase
	switch {
	case p.Range:
		var vals []int64
		for _, o := range all {
			if n, ok := intValue(at(o)); ok {
				vals = append(vals, n)
			}
		}
		if len(vals) == 0 {
			return []paramCase{{p.Name + "[gte]", "0", func(map[string]any) bool { return false }}}
		}
		slices.Sort(vals)
		mid := vals[len(vals)/2]
		for _, c := range []struct {
			op string
			ok func(n int64) bool
		}{{"gte", func(n int64) bool { return n >= mid }}, {"lt", func(n int64) bool { return n < mid }}, {"", func(n int64) bool { return n == mid }}} {
			key := p.Name
			if c.op != "" {
				key += "[" + c.op + "]"
			}
			ok := c.ok
			cases = append(cases, paramCase{key, strconv.FormatInt(mid, 10), func(o map[string]any) bool {
				n, set := intValue(at(o))
				return set && ok(n)
			}})
		}
	case p.Type == "object":
		for _, o := range all {
			sub, _ := at(o).(map[string]any)
			for _, k := range sortedKeys(sub) {
				if v, ok := scalarString(sub[k]); ok {
					return []paramCase{{p.Name + "[" + k + "]", v, func(o map[string]any) bool {
						sub, _ := at(o).(map[string]any)
						got, ok := scalarString(sub[k])
						return ok && got == v
					}}}
				}
			}
		}
	case len(p.Enum) > 0 || p.Type == "boolean":
		values := p.Enum
		if p.Type == "boolean" {
			values = booleans
		}
		for _, v := range values {
			cases = append(cases, paramCase{p.Name, v, func(o map[string]any) bool { return v == enumAll || str(o) == v }})
		}
	default:
		for _, o := range all {
			if v := str(o); v != "" {
				cases = append(cases, paramCase{p.Name, v, func(o map[string]any) bool { return str(o) == v }})
				break
			}
		}
		none := "none_Xy12345678"
		if p.Type == "integer" {
			none = "0"
		}
		cases = append(cases, paramCase{p.Name, none, func(map[string]any) bool { return false }})
	}
	return cases
}

// vacuous are the parameters no row of the fake matches: the properties
// they filter stay as the fixture has them, null.
var vacuous = map[string]bool{
	"/v1/quotes test_clock":                      true, // objects on test clocks are hidden by default: none is on one
	"/v1/treasury/received_credits linked_flows": true,
}

// Every parameter of every generic list filters exactly the rows whose
// property equals it (or lies in its range), checked against the rows'
// JSON; a bad enum value is Stripe's 400.
func TestGenericFilters(t *testing.T) {
	s := shared()
	d := s.data
	eps, _ := loadLists()
	for _, ep := range eps {
		var v *listView
		for _, cand := range d.generic.views {
			if cand.path == ep.Path && cand.t != nil && d.generic.rows[cand.t] != nil {
				v = cand
			}
		}
		if v == nil {
			continue // hand-written, computed, or a view of hand-written rows: their own tests
		}
		path, base := catalogRequest(t, d, ep)
		all := fetchAll(t, s, path, base, v.def.unpaginated)
		fixture := d.fixtures[v.t.def.object]
		for _, p := range ep.Params {
			if p.In != "query" || slices.Contains(ep.Required, p.Name) {
				continue
			}
			t.Run(ep.Path+"?"+p.Name, func(t *testing.T) {
				fpath := filterPath(p, fixture)
				switch {
				case specialFilters[ep.Path+" "+p.Name] != nil:
					t.Skip("TestGenericSpecialFilters")
				case fpath == nil:
					hiddenPartition(t, s, path, base, p, all, v.def.unpaginated)
					return
				}
				kept := 0
				for _, c := range paramCases(p, fpath, all) {
					got := ids(fetchAll(t, s, path, withParam(base, c.key, c.value), v.def.unpaginated))
					if want := keep(all, c.want); !slices.Equal(got, want) {
						t.Errorf("%s=%s: got %v, want %v", c.key, c.value, got, want)
					}
					kept += len(got)
				}
				if kept == 0 && !vacuous[ep.Path+" "+p.Name] {
					t.Errorf("no value of %s keeps a row: the rows never set %v", p.Name, fpath)
				}
				if len(p.Enum) > 0 {
					res := get(t, s, path+"?"+withParam(base, p.Name, "bogus").Encode())
					e := errorOf(t, res)
					if res.status != http.StatusBadRequest || e["param"] != p.Name ||
						!strings.HasPrefix(e["message"].(string), "Invalid "+p.Name+": must be one of ") {
						t.Errorf("%s=bogus: %d %v", p.Name, res.status, e)
					}
				}
			})
		}
	}
}

// hiddenPartition checks a parameter the objects do not show: its values
// split the rows (enums, booleans), or an unknown value keeps none.
func hiddenPartition(t *testing.T, s *Server, path string, base url.Values, p listParam, all []map[string]any, unpaged bool) {
	t.Helper()
	values := p.Enum
	if p.Type == "boolean" {
		values = booleans
	}
	if values == nil {
		if got := fetchAll(t, s, path, withParam(base, p.Name, "none_Xy12345678"), unpaged); len(got) != 0 {
			t.Errorf("%s=unknown: %d rows", p.Name, len(got))
		}
		return
	}
	var union []string
	for _, v := range values {
		union = append(union, ids(fetchAll(t, s, path, withParam(base, p.Name, v), unpaged))...)
	}
	slices.Sort(union)
	want := ids(all)
	slices.Sort(want)
	if !slices.Equal(union, want) {
		t.Errorf("the values of %s split %v into %v", p.Name, want, union)
	}
}

// The parameters that do not compare a property, each as Stripe defines it.
func TestGenericSpecialFilters(t *testing.T) {
	s := shared()
	all := func(resource string) []map[string]any { return s.Objects(resource) }
	fa := all("treasury_financial_accounts")[0]["id"].(string)
	refreshes := all("financial_connections_transactions")
	fca := refreshes[0]["account"].(string)
	var sameAccount []map[string]any // newest first, as listed
	for _, o := range refreshes {
		if o["account"] == fca {
			sameAccount = append(sameAccount, o)
		}
	}
	oldest := sameAccount[len(sameAccount)-1]
	item := all("radar_value_list_items")[0]
	for _, c := range []struct {
		path  string
		query url.Values
		want  []string
	}{
		{"/v1/subscription_schedules", url.Values{"scheduled": {"true"}},
			keep(all("subscription_schedules"), func(o map[string]any) bool { return o["status"] == "not_started" })},
		{"/v1/subscription_schedules", url.Values{"scheduled": {"false"}},
			keep(all("subscription_schedules"), func(o map[string]any) bool { return o["status"] != "not_started" })},
		{"/v1/shipping_rates", url.Values{"currency": {"usd"}},
			keep(all("shipping_rates"), func(o map[string]any) bool {
				return lookupPath(o, []string{"fixed_amount", "currency"}) == "usd"
			})},
		{"/v1/treasury/transactions", url.Values{"financial_account": {fa}, "order_by": {"posted_at"}},
			keep(all("treasury_transactions"), func(o map[string]any) bool { return o["financial_account"] == fa })},
		{"/v1/financial_connections/transactions", url.Values{"account": {fca}, "transaction_refresh[after]": {oldest["transaction_refresh"].(string)}},
			ids(sameAccount[:len(sameAccount)-1])},
		{"/v1/financial_connections/transactions", url.Values{"account": {fca}, "transaction_refresh[after]": {sameAccount[0]["transaction_refresh"].(string)}},
			[]string{}},
		{"/v1/radar/value_lists", url.Values{"contains": {item["value"].(string)}},
			keep(all("radar_value_lists"), func(o map[string]any) bool {
				for _, it := range all("radar_value_list_items") {
					if it["value"] == item["value"] && it["value_list"] == o["id"] {
						return true
					}
				}
				return false
			})},
	} {
		t.Run(c.path+"?"+c.query.Encode(), func(t *testing.T) {
			got := ids(listAll(t, s, c.path, c.query))
			if !slices.Equal(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
			if len(c.want) == 0 && !strings.Contains(c.query.Encode(), "refresh") {
				t.Errorf("the case keeps no row: it tests nothing")
			}
		})
	}
}

// Required parameters, unknown ones, bad values and unknown parents get
// Stripe's errors.
func TestGenericErrors(t *testing.T) {
	s := shared()
	acct := s.ConnectedAccounts()[0]
	for _, c := range []struct {
		path         string
		status       int
		param, msg   string
		resourceMiss bool
	}{
		{"/v1/treasury/transactions", 400, "financial_account", "Missing required param: financial_account.", false},
		{"/v1/issuing/tokens", 400, "card", "Missing required param: card.", false},
		{"/v1/radar/value_list_items", 400, "value_list", "Missing required param: value_list.", false},
		{"/v1/setup_attempts", 400, "setup_intent", "Missing required param: setup_intent.", false},
		{"/v1/apps/secrets", 400, "scope", "Missing required param: scope.", false},
		{"/v1/financial_connections/transactions", 400, "account", "Missing required param: account.", false},
		{"/v1/credit_notes/preview/lines", 400, "invoice", "Missing required param: invoice.", false},
		{"/v1/apps/secrets?scope=account", 400, "scope", "Invalid object: account", false},
		{"/v1/apps/secrets?scope[kind]=account", 400, "scope[kind]", "Received unknown parameter: scope[kind]", false},
		{"/v1/issuing/cards?status=lost", 400, "status", "Invalid status: must be one of active, canceled, or inactive", false},
		{"/v1/issuing/cards?active=true", 400, "active", "Received unknown parameter: active", false},
		{"/v1/issuing/cards?exp_month=May", 400, "exp_month", "Invalid integer: May", false},
		{"/v1/payment_links?active=maybe", 400, "active", "Invalid boolean: maybe", false},
		{"/v1/topups?amount[gt]=x", 400, "amount[gt]", "Invalid integer: x", false},
		{"/v1/reporting/report_types?limit=3", 400, "limit", "Received unknown parameter: limit", false},
		{"/v1/issuing/cards?limit=0", 400, "limit", "This value must be greater than or equal to 1.", false},
		{"/v1/issuing/cards?starting_after=ic_nope", 400, "starting_after", "No such issuing.card: 'ic_nope'", true},
		{"/v1/issuing/cards/ic_nope", 404, "id", "No such issuing.card: 'ic_nope'", true},
		{"/v1/customers/cus_nope/tax_ids", 404, "customer", "No such customer: 'cus_nope'", true},
		{"/v1/transfers/tr_nope/reversals", 404, "id", "No such transfer: 'tr_nope'", true},
		{"/v1/accounts/" + acct + "/capabilities/nope", 404, "id", "No such capability: 'nope'", true},
		{"/v1/credit_notes/preview/lines?invoice=in_nope", 400, "invoice", "No such invoice: 'in_nope'", true},
	} {
		t.Run(c.path, func(t *testing.T) {
			res := get(t, s, c.path)
			e := errorOf(t, res)
			if res.status != c.status || e["param"] != c.param || e["message"] != c.msg || e["type"] != "invalid_request_error" {
				t.Errorf("%d %v, want %d param %q %q", res.status, e, c.status, c.param, c.msg)
			}
			if c.resourceMiss != (e["code"] == "resource_missing") {
				t.Errorf("code %v", e["code"])
			}
		})
	}
}

// Generic lists page like the hand-written ones: starting_after and
// ending_before walk the same rows in both directions, per parent too.
func TestGenericPaging(t *testing.T) {
	s := shared()
	for _, c := range []struct{ path string }{
		{"/v1/issuing/cardholders"},
		{"/v1/customers/" + s.data.generic.rows[s.data.generic.tables["customers_tax_ids"]].objs[0]["customer"].(string) + "/tax_ids"},
		{"/v1/country_specs"},
		{"/v1/charges/" + s.Objects("refunds")[0]["charge"].(string) + "/refunds"},
		{"/v1/balance/history"},
	} {
		t.Run(c.path, func(t *testing.T) {
			all := ids(listAll(t, s, c.path, nil))
			if len(all) < 2 {
				t.Skipf("%d rows", len(all))
			}
			var forward []string
			q := url.Values{"limit": {"1"}}
			for {
				page := mustGet(t, s, c.path+"?"+q.Encode())
				for _, item := range page["data"].([]any) {
					forward = append(forward, item.(map[string]any)["id"].(string))
				}
				if page["has_more"] != true {
					break
				}
				q.Set("starting_after", forward[len(forward)-1])
			}
			if !slices.Equal(forward, all) {
				t.Fatalf("pages of one: %v, whole: %v", forward, all)
			}
			page := mustGet(t, s, c.path+"?limit=2&ending_before="+all[len(all)-1])
			var back []string
			for _, item := range page["data"].([]any) {
				back = append(back, item.(map[string]any)["id"].(string))
			}
			if want := all[max(0, len(all)-3) : len(all)-1]; !slices.Equal(back, want) {
				t.Errorf("ending_before the last: %v, want %v", back, want)
			}
		})
	}
	// Lists sorted by id, not by creation.
	specs := ids(listAll(t, s, "/v1/country_specs", nil))
	if !slices.IsSorted(specs) {
		t.Errorf("country specs %v", specs)
	}
}
