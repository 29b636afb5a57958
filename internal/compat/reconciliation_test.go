package compat

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/stripesqltest"
	"github.com/stripesql/stripesql/tables"
)

// exampleNamed returns the recipe of examples/queries.sql named name.
func exampleNamed(t *testing.T, name string) string {
	for _, q := range readExampleQueries(t) {
		if q.name == name {
			return q.sql
		}
	}
	t.Fatalf("examples/queries.sql has no %s", name)
	return ""
}

// major is a sum of minor units as the recipes show it, in the major unit.
func major(minor int64, currency string) decimal.Decimal {
	return decimal.New(minor, -tables.MajorExponent(currency))
}

// sameMajor compares a decimal the client read with an expected amount.
func sameMajor(got string, want decimal.Decimal) bool {
	d, err := decimal.NewFromString(got)
	return err == nil && d.Equal(want)
}

// recon is the demo account's payouts and, by the fake account's own
// assignment (not the filter that lists them), their transactions.
type recon struct {
	payouts []map[string]any
	txns    map[string][]map[string]any // payout id → transactions
}

func reconOf(f *fakestripe.Server) recon {
	r := recon{payouts: f.Objects("payouts"), txns: map[string][]map[string]any{}}
	for _, x := range f.Objects("balance_transactions") {
		if po := f.PayoutOf(fmt.Sprint(x["id"])); po != "" {
			r.txns[po] = append(r.txns[po], x)
		}
	}
	return r
}

func num(o map[string]any, k string) int64 { return int64(o[k].(float64)) }

// recipeWindow returns whether a payout is one the recipes look at:
// arriving since CURDATE() - INTERVAL 90 DAY, as the server reckons it
// (its DATETIMEs are UTC wall-clock times, compared as text here).
func recipeWindow(t *testing.T, env *stripesqltest.Env) func(p map[string]any) bool {
	since := env.Rows(t, "SELECT CAST(CURDATE() - INTERVAL 90 DAY AS CHAR)")[0][0]
	return func(p map[string]any) bool {
		return time.Unix(num(p, "arrival_date"), 0).UTC().Format(time.DateTime) >= since
	}
}

// The payout reconciliation recipes give the demo account's own answers:
// the latest payout's transactions by type, netting to zero with the
// payout's own; each payout's fees and transactions; and no payout that
// does not add up.
func TestPayoutReconciliationRecipes(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: demoFake()})
	r := reconOf(env.Fake)
	inWindow := recipeWindow(t, env)

	t.Run("payout_transactions_by_type", func(t *testing.T) {
		latest := r.payouts[0] // newest first
		byType := map[string]int{}
		for _, x := range r.txns[fmt.Sprint(latest["id"])] {
			byType[fmt.Sprint(x["type"])]++
		}
		got := map[string]int{}
		net := decimal.Zero
		for _, row := range env.Rows(t, exampleNamed(t, "payout_transactions_by_type")) {
			// payout, arrival_date, type, currency, transactions, gross, fees, net
			if row[0] != latest["id"] || row[3] != latest["currency"] {
				t.Errorf("row %v is not of the latest payout %s", row, latest["id"])
			}
			var n int
			fmt.Sscan(row[4], &n)
			got[row[2]] = n
			d, _ := decimal.NewFromString(row[7])
			net = net.Add(d)
		}
		if fmt.Sprint(got) != fmt.Sprint(byType) {
			t.Errorf("transactions by type %v, want %v", got, byType)
		}
		if !net.IsZero() {
			t.Errorf("the payout's transactions net to %s, want 0 (its own included)", net)
		}
	})

	t.Run("fees_per_payout", func(t *testing.T) {
		var want []string
		for _, p := range r.payouts {
			if !inWindow(p) {
				continue
			}
			var fees int64
			n := 0
			for _, x := range r.txns[fmt.Sprint(p["id"])] {
				if x["type"] != "payout" {
					fees += num(x, "fee")
					n++
				}
			}
			want = append(want, fmt.Sprintf("%s %s %d", p["id"], major(fees, fmt.Sprint(p["currency"])), n))
		}
		var got []string
		for _, row := range env.Rows(t, exampleNamed(t, "fees_per_payout")) {
			// payout, arrival_date, currency, paid_out, fees, gross, transactions
			d, _ := decimal.NewFromString(row[4])
			got = append(got, fmt.Sprintf("%s %s %s", row[0], d, row[6]))
		}
		sort.Strings(got)
		sort.Strings(want)
		if len(want) == 0 || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("fees per payout:\n%v\nwant\n%v", got, want)
		}
	})

	t.Run("unreconciled_payouts", func(t *testing.T) {
		if rows := env.Rows(t, exampleNamed(t, "unreconciled_payouts")); len(rows) != 0 {
			t.Errorf("the demo account's payouts all add up, got %v", rows)
		}
	})
}

// The unreconciled payouts recipe finds a payout whose amount is not the
// sum of its transactions: the payouts list is served with one payout's
// amount raised by 100 (from a twin of the fake account, so every other
// byte is the account's).
func TestUnreconciledPayoutsRecipeFindsAMismatch(t *testing.T) {
	opts := demoFake()
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: opts})
	twin := fakestripe.New(opts)
	inWindow := recipeWindow(t, env)
	var target map[string]any
	for _, p := range env.Fake.Objects("payouts") {
		if inWindow(p) {
			target = p
			break
		}
	}
	env.Fake.SetFault(func(req *http.Request) (bool, int, string) {
		if req.URL.Path != "/v1/payouts" {
			return false, 0, ""
		}
		rec := httptest.NewRecorder()
		twin.ServeHTTP(rec, req)
		var page map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
			return true, http.StatusInternalServerError, err.Error()
		}
		for _, o := range page["data"].([]any) {
			if p := o.(map[string]any); p["id"] == target["id"] {
				p["amount"] = p["amount"].(float64) + 100
			}
		}
		body, _ := json.Marshal(page)
		return true, rec.Code, string(body)
	})
	rows := env.Rows(t, exampleNamed(t, "unreconciled_payouts"))
	cur := fmt.Sprint(target["currency"])
	// payout, arrival_date, status, currency, paid_out, transactions_net, difference
	if len(rows) != 1 || rows[0][0] != target["id"] || !sameMajor(rows[0][6], major(100, cur)) ||
		!sameMajor(rows[0][4], major(num(target, "amount")+100, cur)) || !sameMajor(rows[0][5], major(num(target, "amount"), cur)) {
		t.Errorf("rows %v, want payout %s off by %s %s", rows, target["id"], major(100, cur), cur)
	}
}
