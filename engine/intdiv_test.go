package engine_test

import (
	"context"
	"testing"

	"github.com/stripesql/stripesql/internal/refdb"
	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// DIV truncates as MariaDB's does, decimal operands included:
// go-mysql-server rounded 1728172756 DIV 86400 (UNIX_TIMESTAMP is a
// DECIMAL) up to 20002, putting Grafana's last minutes of a day into
// the next day's bucket.
func TestIntDivTruncates(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	mdb := refdb.Start(t)
	sdb := openText(t, env)
	for _, q := range []string{
		"SELECT CAST(1728172756 AS DECIMAL(20,0)) DIV 86400",
		"SELECT UNIX_TIMESTAMP('2024-10-05 23:59:16') DIV 86400 * 86400",
		"SELECT 7.999 DIV 1, -7.5 DIV 2, 2.5 DIV 0.5, 1 DIV 3.0, -0.5 DIV 1",
		"SELECT 10 DIV 3, -10 DIV 3, 10.0 DIV 0, NULL DIV 2.5, '7.9' DIV 2",
	} {
		want, err := refdb.Answer(context.Background(), mdb, q)
		if err != nil {
			t.Fatalf("MariaDB: %s: %v", q, err)
		}
		got, err := refdb.Answer(context.Background(), sdb, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if d := refdb.Diff(true, "stripesql", got, "MariaDB", want); d != "" {
			t.Errorf("%s:\n%s", q, d)
		}
	}
}
