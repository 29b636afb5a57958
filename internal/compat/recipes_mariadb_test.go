package compat

import (
	"context"
	"database/sql"
	"maps"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/refdb"
	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// recipeReferences state what a recipe means where its own text cannot be
// its reference: MariaDB answers the reference, stripesql the recipe. A
// recipe not listed is its own reference (MariaDB checks stripesql's
// engine, pushdown and decoding on it; the money columns it reads were
// converted to major units by refdb, independently of stripesql).
var recipeReferences = map[string]string{
	"superset.md#1":   mrrReference,
	"mrr_by_currency": mrrReference,
}

// mrrReference is the MRR: the monthly value of active subscriptions'
// items (price times quantity), each price brought to its currency's
// major unit (yen are not cents) by the reference's own divisor, yearly,
// weekly and daily prices brought to a month.
var mrrReference = `SELECT s.currency,
	       ROUND(SUM(item.unit_amount / ` + refdb.DivisorSQL("s.currency") + ` * item.quantity / item.interval_count *
	           CASE item.billing_interval WHEN 'day' THEN 365 WHEN 'week' THEN 52 WHEN 'month' THEN 12 ELSE 1 END
	       ) / 12, 2) AS mrr,
	       COUNT(DISTINCT s.id) AS subscriptions
	FROM subscriptions AS s,
	     JSON_TABLE(s.items, '$.data[*]' COLUMNS (
	         unit_amount BIGINT PATH '$.price.unit_amount',
	         quantity BIGINT PATH '$.quantity',
	         billing_interval VARCHAR(16) PATH '$.price.recurring.interval',
	         interval_count BIGINT PATH '$.price.recurring.interval_count')) AS item
	WHERE s.status IN ('active', 'past_due')
	GROUP BY s.currency`

// minorAsMajor is an amount turned into money by a fixed division: right
// for two-decimal currencies only (the fake account has JPY and KWD).
var minorAsMajor = regexp.MustCompile(`/\s*(100|1000)\b`)

// Every recipe of examples/ (queries.sql and the connection guides' SQL)
// gives the values a real MariaDB gives over the same objects: the demo
// account's objects (JPY and KWD among its currencies) are loaded into
// MariaDB by refdb, each recipe runs on both servers and the answers are
// compared as multisets of rows, numbers normalised. Money is read from
// the _major columns: a recipe dividing by 100 fails.
func TestRecipesMatchMariaDB(t *testing.T) {
	// The demo account, its data ending at a clock fixed for the test:
	// the recipes' windows are relative to NOW(), which both servers read
	// within the same second or so (objects are hours apart).
	now := time.Now()
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: fakestripe.Options{Scale: 1000, Seed: 1, End: now}})
	mdb := refdb.Start(t)

	// Without parseTime: both servers' text, compared as is.
	sdb, err := sql.Open("mysql", "root@tcp("+env.Addr+")/stripe")
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()

	recipes := append(readExampleQueries(t), guideQueries(t, now)...)
	loadRecipeTables(t, mdb, env.Fake, recipes)
	for _, q := range recipes {
		t.Run(q.name, func(t *testing.T) {
			if m := minorAsMajor.FindString(q.sql); m != "" {
				t.Errorf("divides an amount by %q: wrong for zero- and three-decimal currencies (JPY, KWD); read the _major column:\n%s", m, q.sql)
			}
			ref := q.sql
			if r, ok := recipeReferences[q.name]; ok {
				ref = r
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			want, err := refdb.Answer(ctx, mdb, refdb.ForMariaDB(ref))
			if err != nil {
				t.Fatalf("MariaDB: %v\n%s", err, ref)
			}
			got, err := refdb.Answer(ctx, sdb, q.sql)
			if err != nil {
				t.Fatalf("stripesql: %v\n%s", err, q.sql)
			}
			if diff := refdb.Diff(false, "stripesql", got, "MariaDB", want); diff != "" {
				t.Errorf("answers differ:\n%s%s", diff, q.sql)
			}
			if len(want) == 0 && !q.noRows {
				t.Errorf("no rows on either server: the comparison checks nothing\n%s", q.sql)
			}
		})
	}
	for _, name := range slices.Sorted(maps.Keys(recipeReferences)) {
		if !slices.ContainsFunc(recipes, func(q exampleQuery) bool { return q.name == name }) {
			t.Errorf("a reference for %s, which no recipe is", name)
		}
	}
}

// loadRecipeTables loads into MariaDB the tables the recipes read, and
// checks the money among them is in more than cents: JPY and KWD.
func loadRecipeTables(t *testing.T, mdb *sql.DB, fake *fakestripe.Server, recipes []exampleQuery) {
	t.Helper()
	names := map[string]bool{}
	for _, q := range recipes {
		for _, name := range refdb.TablesOf(q.sql) {
			names[name] = true
		}
	}
	currencies := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(names)) {
		tbl, err := refdb.TableOf(name)
		if err != nil {
			t.Fatal(err)
		}
		if name == "balance_transactions" {
			// Filter-only: the payout that paid the transaction out, by
			// the fake account's own assignment.
			tbl.Fill["payout"] = func(o refdb.Obj) any {
				if po := fake.PayoutOf(o.Str("id")); po != "" {
					return po
				}
				return nil
			}
		}
		objects := fake.Objects(name)
		if len(objects) == 0 {
			t.Fatalf("the fake account has no %s for the recipes", name)
		}
		for _, o := range objects {
			if c, ok := o["currency"].(string); ok {
				currencies[c] = true
			}
		}
		if _, err := tbl.Load(nil, mdb, objects); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []string{"jpy", "kwd", "usd"} {
		if !currencies[c] {
			t.Errorf("the recipes' tables have no %s amounts: the comparison would not catch a unit mistake", c)
		}
	}
}
