package pushdown

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/refdb"
	"github.com/stripesql/stripesql/internal/stripesqltest"
	"github.com/stripesql/stripesql/tables"
)

// Every query of examples/workload.sql whose tables the fake account
// lists gives the values a real MariaDB gives over the same objects
// (refdb): the pushdown that makes few requests must make them for the
// right rows. A query reading a table the fake has no objects of, or a
// child list (its rows are its parents' lists), is skipped, naming it.
func TestWorkloadMatchesMariaDB(t *testing.T) {
	var env *stripesqltest.Env
	env = stripesqltest.Start(t, stripesqltest.Options{Fake: fakestripe.Options{Scale: fakestripe.DefaultScale},
		SearchLag: searchLag, Now: func() time.Time { return env.Fake.Now() }})
	p := placeholders(t, env.Fake)
	mdb := refdb.Start(t)
	sdb, err := sql.Open("mysql", "root@tcp("+env.Addr+")/stripe") // text values, as refdb compares them
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	loaded := map[string]error{}
	load := func(name string) error {
		if err, done := loaded[name]; done {
			return err
		}
		err := loadWorkloadTable(mdb, env.Fake, name, p)
		loaded[name] = err
		return err
	}
	compared := 0
	for _, q := range parseWorkload(t, "../../examples/workload.sql") {
		t.Run(q.name, func(t *testing.T) {
			query := fill(q.sql, p)
			for _, name := range refdb.TablesOf(query) {
				if err := load(name); err != nil {
					t.Skipf("not compared: %v", err)
				}
			}
			ref := query
			if r, ok := workloadReferences[q.name]; ok {
				ref = r
			}
			// LIMIT n without ORDER BY: any n rows of the whole answer.
			m := anyRows.FindStringSubmatch(ref)
			if strings.Contains(strings.ToUpper(ref), "ORDER BY") {
				m = nil
			}
			if m != nil {
				ref = strings.TrimSuffix(ref, m[0])
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			want, err := refdb.Answer(ctx, mdb, refdb.ForMariaDB(ref))
			if err != nil {
				t.Fatalf("MariaDB: %v\n%s", err, ref)
			}
			got, err := refdb.Answer(ctx, sdb, query)
			if err != nil {
				t.Fatalf("stripesql: %v\n%s", err, query)
			}
			if m != nil {
				n, _ := strconv.Atoi(m[1])
				if onlyGot, _ := refdb.Missing(got, want); len(got) != min(n, len(want)) || len(onlyGot) > 0 {
					t.Errorf("%d rows (want %d of MariaDB's %d), %d not among them:\n%v\n%s", len(got), min(n, len(want)), len(want), len(onlyGot), onlyGot, query)
				}
			} else if d := refdb.Diff(false, "stripesql", got, "MariaDB", want); d != "" {
				t.Errorf("answers differ:\n%s%s", d, query)
			}
			compared++
		})
	}
	if compared < 30 {
		t.Errorf("%d workload queries compared with MariaDB, want at least 30", compared)
	}
}

// workloadReferences state what a workload query means where MariaDB
// reads its text otherwise: stripesql takes a ten-digit integer compared
// with a time column as Unix seconds (README: How queries reach Stripe);
// MariaDB compares it as a datetime number.
var workloadReferences = map[string]string{
	"charges since a Unix time": "SELECT id FROM charges WHERE created >= FROM_UNIXTIME(1733011200)",
}

// anyRows is a LIMIT without ORDER BY ending a query: any rows will do.
var anyRows = regexp.MustCompile(`(?i)\s+LIMIT\s+(\d+)\s*$`)

// loadWorkloadTable loads a table of the fake account into MariaDB, its
// filter-only columns filled as the workload's queries pin them.
func loadWorkloadTable(mdb *sql.DB, fake *fakestripe.Server, name string, p map[string]string) error {
	spec, ok := tables.Lookup(name)
	if !ok {
		return fmt.Errorf("no table %s", name)
	}
	objects := fake.Objects(name)
	if len(objects) == 0 {
		return fmt.Errorf("the fake account has no %s objects to load", name)
	}
	if spec.Parent != nil && objects[0][spec.Parent.Column] == nil {
		return fmt.Errorf("%s's objects do not name their parent (%s)", name, spec.Parent.Column)
	}
	tbl, err := refdb.TableOf(name)
	if err != nil {
		return err
	}
	switch name {
	case "balance_transactions":
		// The payout that paid the transaction out, by the fake's own
		// assignment.
		tbl.Fill["payout"] = func(o refdb.Obj) any {
			if po := fake.PayoutOf(o.Str("id")); po != "" {
				return po
			}
			return nil
		}
	case "subscriptions":
		// Pinned to the workload's price: the subscriptions holding it.
		tbl.Fill["price"] = func(o refdb.Obj) any {
			items, _ := o["items"].(map[string]any)
			data, _ := items["data"].([]any)
			for _, it := range data {
				price, _ := it.(map[string]any)["price"].(map[string]any)
				if price["id"] == p["subscribed_price"] {
					return p["subscribed_price"]
				}
			}
			return nil
		}
	case "invoice_items":
		// Pending: not on an invoice yet.
		tbl.Fill["pending"] = func(o refdb.Obj) any {
			if o.Ref("invoice") == nil {
				return 1
			}
			return 0
		}
	}
	_, err = tbl.Load(nil, mdb, objects)
	return err
}
