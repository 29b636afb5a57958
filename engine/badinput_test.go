package engine_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// Mistakes in a query and Stripe's errors reach the client as MySQL errors
// with the right number and a message naming the table and Stripe's own
// error, never as an empty result.
func TestBadInputGivesMySQLErrors(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	stripeErr := func(status int, typ, msg string) func(r *http.Request) (bool, int, string) {
		return func(r *http.Request) (bool, int, string) {
			if !strings.HasPrefix(r.URL.Path, "/v1/refunds") {
				return false, 0, ""
			}
			return true, status, `{"error":{"type":"` + typ + `","message":"` + msg + `"}}`
		}
	}
	cases := []struct {
		name  string
		query string
		fault func(r *http.Request) (bool, int, string)
		code  uint16
		want  []string
	}{
		{"unknown table", "SELECT * FROM chargez", nil, 1146, []string{"chargez"}},
		{"unknown column", "SELECT amount_usd FROM charges", nil, 1054, []string{"amount_usd"}},
		{"unknown database", "SELECT * FROM nope.charges", nil, 1049, []string{"nope"}},
		{"syntax", "SELEC id FROM charges", nil, 1064, nil},
		{"Stripe 401", "SELECT * FROM refunds", stripeErr(401, "invalid_request_error", "Invalid API Key provided: sk_test_****4242"),
			1429, []string{"table refunds", "401", "Invalid API Key provided", "STRIPE_API_KEY"}},
		{"Stripe 500", "SELECT * FROM refunds", stripeErr(500, "api_error", "Something went wrong on Stripe's end."),
			1430, []string{"table refunds", "500", "Something went wrong"}},
		{"Stripe 404 on a list", "SELECT * FROM refunds", stripeErr(404, "invalid_request_error", "Unrecognized request URL (GET: /v1/refunds)."),
			1430, []string{"table refunds", "404", "Unrecognized request URL"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env.Fake.SetFault(c.fault)
			defer env.Fake.SetFault(nil)
			rows, err := env.DB.Query(c.query)
			if err == nil {
				for rows.Next() {
				}
				err = rows.Err()
				rows.Close()
			}
			var me *mysql.MySQLError
			if !errors.As(err, &me) {
				t.Fatalf("%s: %v, want a MySQL error", c.query, err)
			}
			if me.Number != c.code {
				t.Errorf("%s: error %d (%s), want %d", c.query, me.Number, me.Message, c.code)
			}
			for _, w := range c.want {
				if !strings.Contains(me.Message, w) {
					t.Errorf("%s: message %q lacks %q", c.query, me.Message, w)
				}
			}
			if strings.Contains(me.Message, "4242") {
				t.Errorf("message shows the key's end: %q", me.Message)
			}
		})
	}
}

func TestVersionCommentNamesStripesql(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	if got := env.Rows(t, "SELECT @@version_comment")[0][0]; !strings.HasPrefix(got, "stripesql") {
		t.Errorf("@@version_comment = %q", got)
	}
}
