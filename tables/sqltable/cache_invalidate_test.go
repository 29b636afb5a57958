package sqltable

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stripesql/stripesql/cache"
	"github.com/stripesql/stripesql/tables"
)

func TestPathMatches(t *testing.T) {
	for _, tt := range []struct {
		template, path string
		want           bool
	}{
		{"/v1/charges", "/v1/charges", true},
		{"/v1/charges", "/v1/charges/ch_1", false},
		{"/v1/charges/{id}", "/v1/charges/ch_1", true},
		{"/v1/charges/{id}", "/v1/charges/", false},
		{"/v1/invoices/{invoice}/lines", "/v1/invoices/in_1/lines", true},
		{"/v1/invoices/{invoice}/lines", "/v1/invoices/in_1", false},
		{"/v1/invoices/{invoice}/lines", "/v1/invoices/in_1/lines/x", false},
		{"/v1/customers", "/v1/charges", false},
	} {
		if got := pathMatches(tt.template, tt.path); got != tt.want {
			t.Errorf("pathMatches(%s, %s) = %v", tt.template, tt.path, got)
		}
	}
}

// Flushing a table or invalidating an object drops exactly the cached
// entries that may hold its data, and only this account's.
func TestCacheInvalidation(t *testing.T) {
	entries := []struct{ path, query string }{
		{"/v1/charges", "limit=100"},
		{"/v1/charges", "customer=cus_1&limit=100"},
		{"/v1/charges/ch_1", ""},
		{"/v1/charges/ch_2", ""},
		{"/v1/refunds", "charge=ch_1&limit=100"},
		{"/v1/refunds", "limit=100"},
		{"/v1/customers", "limit=100"},
		{"/v1/customers/cus_1", ""},
		{"/v1/invoices/in_1/lines", "limit=100"},
		{"/v1/invoices", "limit=100"},
	}
	for _, tt := range []struct {
		name string
		drop func(c *Client) int
		want []string // entries left
	}{
		{"flush charges", func(c *Client) int { return c.FlushTable(mustSpec(t, "charges")) },
			[]string{"/v1/customers/cus_1?", "/v1/customers?limit=100", "/v1/invoices/in_1/lines?limit=100", "/v1/invoices?limit=100",
				"/v1/refunds?charge=ch_1&limit=100", "/v1/refunds?limit=100"}},
		{"flush a child table", func(c *Client) int { return c.FlushTable(mustSpec(t, "invoice_line_items")) },
			[]string{"/v1/charges/ch_1?", "/v1/charges/ch_2?", "/v1/charges?customer=cus_1&limit=100", "/v1/charges?limit=100",
				"/v1/customers/cus_1?", "/v1/customers?limit=100", "/v1/invoices?limit=100",
				"/v1/refunds?charge=ch_1&limit=100", "/v1/refunds?limit=100"}},
		{"flush a derived table", func(c *Client) int { return c.FlushTable(mustSpec(t, "discounts")) },
			[]string{"/v1/charges/ch_1?", "/v1/charges/ch_2?", "/v1/charges?customer=cus_1&limit=100", "/v1/charges?limit=100",
				"/v1/invoices/in_1/lines?limit=100", "/v1/refunds?charge=ch_1&limit=100", "/v1/refunds?limit=100"}},
		{"charge changed", func(c *Client) int { return c.InvalidateObject("charge", "ch_1") },
			[]string{"/v1/charges/ch_2?", "/v1/customers/cus_1?", "/v1/customers?limit=100", "/v1/invoices/in_1/lines?limit=100", "/v1/invoices?limit=100"}},
		{"customer changed", func(c *Client) int { return c.InvalidateObject("customer", "cus_1") },
			[]string{"/v1/charges/ch_1?", "/v1/charges/ch_2?", "/v1/charges?limit=100", "/v1/invoices/in_1/lines?limit=100", "/v1/invoices?limit=100",
				"/v1/refunds?charge=ch_1&limit=100", "/v1/refunds?limit=100"}},
		{"flush all", func(c *Client) int { return c.FlushAll() }, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cc := cache.New(cache.Options{MaxBytes: 1 << 20, TTL: time.Hour})
			c := NewClient(ClientOptions{APIKey: "sk_test_a", Cache: cc})
			other := NewClient(ClientOptions{APIKey: "sk_test_b", Cache: cc})
			for _, e := range entries {
				q, _ := url.ParseQuery(e.query)
				cc.Set(c.cacheKey(e.path, q), []byte("{}"))
				cc.Set(other.cacheKey(e.path, q), []byte("{}"))
			}
			n := tt.drop(c)
			var left, otherLeft []string
			for _, e := range entries {
				q, _ := url.ParseQuery(e.query)
				if _, ok := cc.Get(c.cacheKey(e.path, q)); ok {
					left = append(left, e.path+"?"+e.query)
				}
				if _, ok := cc.Get(other.cacheKey(e.path, q)); ok {
					otherLeft = append(otherLeft, e.path)
				}
			}
			sort.Strings(left)
			if fmt.Sprint(left) != fmt.Sprint(tt.want) {
				t.Errorf("left\n%v\nwant\n%v", left, tt.want)
			}
			if n != len(entries)-len(left) {
				t.Errorf("returned %d, dropped %d", n, len(entries)-len(left))
			}
			if len(otherLeft) != len(entries) {
				t.Errorf("another account lost entries: %d left of %d", len(otherLeft), len(entries))
			}
		})
	}
}

func mustSpec(t *testing.T, name string) *tables.Spec {
	t.Helper()
	s, ok := tables.Lookup(name)
	if !ok {
		t.Fatalf("no table %s", name)
	}
	return s
}

// A card's event reaches the pages of every list of cards: a customer's
// sources and, cards being one kind of a polymorphic list, the external
// accounts of connected accounts.
func TestListPathsOfPolymorphicLists(t *testing.T) {
	c := NewClient(ClientOptions{APIKey: "sk_test_kinds"})
	got := c.listPaths("card")
	for _, want := range []string{"/v1/customers/{customer}/sources", "/v1/accounts/{account}/external_accounts"} {
		if !slices.Contains(got, want) {
			t.Errorf("listPaths(card) = %v, lacks %s", got, want)
		}
	}
}

// An event of an object of the new list tables (--cache-refresh-events)
// reaches its lists' pages, those of a walk included: a treasury
// transaction's every financial account's lists, a person's every
// account's, not the parents' lists.
func TestInvalidateObjectOfListTables(t *testing.T) {
	for _, tt := range []struct {
		object, id string
		dropped    []string
		kept       []string
	}{
		{"treasury.transaction", "trxn_1", []string{"/v1/treasury/transactions?financial_account=fa_1&limit=100&order_by=created", "/v1/treasury/transactions/trxn_1?"},
			[]string{"/v1/treasury/financial_accounts?limit=100", "/v1/treasury/transaction_entries?financial_account=fa_1&limit=100&order_by=created"}},
		{"person", "person_1", []string{"/v1/accounts/acct_1/persons?limit=100"}, []string{"/v1/accounts?limit=100", "/v1/accounts/acct_1/capabilities?"}},
		{"capability", "card_payments", []string{"/v1/accounts/acct_1/capabilities?"}, []string{"/v1/accounts/acct_1/persons?limit=100"}},
		{"issuing.token", "intok_1", []string{"/v1/issuing/tokens?card=ic_1&limit=100"}, []string{"/v1/issuing/cards?limit=100"}},
		{"item", "li_1", []string{"/v1/checkout/sessions/cs_1/line_items?limit=100", "/v1/quotes/qt_1/line_items?limit=100"}, []string{"/v1/checkout/sessions?limit=100"}},
	} {
		t.Run(tt.object, func(t *testing.T) {
			cc := cache.New(cache.Options{MaxBytes: 1 << 20, TTL: time.Hour})
			c := NewClient(ClientOptions{APIKey: "sk_test_a", Cache: cc})
			key := func(e string) string {
				path, query, _ := strings.Cut(e, "?")
				q, _ := url.ParseQuery(query)
				return c.cacheKey(path, q)
			}
			for _, e := range append(slices.Clone(tt.dropped), tt.kept...) {
				cc.Set(key(e), []byte("{}"))
			}
			if n := c.InvalidateObject(tt.object, tt.id); n != len(tt.dropped) {
				t.Errorf("dropped %d entries, want %d", n, len(tt.dropped))
			}
			for _, e := range tt.dropped {
				if _, ok := cc.Get(key(e)); ok {
					t.Errorf("%s kept", e)
				}
			}
			for _, e := range tt.kept {
				if _, ok := cc.Get(key(e)); !ok {
					t.Errorf("%s dropped", e)
				}
			}
		})
	}
}
