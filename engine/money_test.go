package engine_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// amount_major is amount in the currency's major unit, for zero-decimal
// (JPY) and three-decimal (KWD/BHD) currencies too.
func TestMajorUnitAmounts(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	exp := map[string]int32{"jpy": 0, "kwd": 3, "bhd": 3, "usd": 2, "eur": 2, "gbp": 2}
	want := map[string]decimal.Decimal{}
	seen := map[string]bool{}
	for _, o := range env.Fake.Objects("charges") {
		cur := o["currency"].(string)
		e, ok := exp[cur]
		if !ok {
			e = 2
		}
		seen[cur] = true
		want[cur] = want[cur].Add(decimal.New(int64(o["amount"].(float64)), -e))
	}
	if !seen["jpy"] || !(seen["kwd"] || seen["bhd"]) {
		t.Fatalf("the fake's charges lack a zero- or three-decimal currency: %v", seen)
	}
	rows := env.Rows(t, "SELECT currency, SUM(amount_major) AS total FROM charges GROUP BY currency ORDER BY total")
	for _, r := range rows {
		got, err := decimal.NewFromString(r[1])
		if err != nil || !got.Equal(want[r[0]]) {
			t.Errorf("SUM(amount_major) in %s = %s, want %s", r[0], r[1], want[r[0]])
		}
		// A DECIMAL result, exact and in fixed point (not a DOUBLE).
		if strings.ContainsAny(r[1], "eE") {
			t.Errorf("SUM(amount_major) in %s printed %q, want a fixed-point DECIMAL", r[0], r[1])
		}
	}
	// SUM of an integer is a DECIMAL too, as in MySQL: exact digits.
	total := int64(0)
	for _, o := range env.Fake.Objects("charges") {
		total += int64(o["amount"].(float64))
	}
	if got := env.Rows(t, "SELECT SUM(amount) FROM charges")[0][0]; got != fmt.Sprint(total) {
		t.Errorf("SUM(amount) = %q, want %d", got, total)
	}
	if len(rows) != len(want) {
		t.Errorf("%d currencies, want %d", len(rows), len(want))
	}
	// The column is documented and typed.
	desc := env.Rows(t, "SHOW FULL COLUMNS FROM balance_transactions WHERE Field IN ('fee_major', 'net_major')")
	if len(desc) != 2 || !strings.HasPrefix(desc[0][1], "decimal(22,3)") || !strings.Contains(fmt.Sprint(desc), "zero-decimal") {
		t.Errorf("SHOW FULL COLUMNS: %v", desc)
	}
}
