package engine_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stripesql/stripesql/internal/stripesqltest"
	"github.com/stripesql/stripesql/internal/testutil"
)

// SQL-level PREPARE answers with an OK packet carrying an info string;
// clients that negotiate CLIENT_SESSION_TRACK (the mariadb CLI, libmariadb)
// used to fail on it with "Received malformed packet" (compat_handler.go).
func TestSQLPrepareOverTheMariaDBClient(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	var customer string
	var want []string
	for _, c := range env.Fake.Objects("charges") {
		if cus, ok := c["customer"].(string); ok && (customer == "" || cus == customer) {
			customer = cus
			want = append(want, c["id"].(string))
		}
	}
	if customer == "" {
		t.Fatal("the fake account has no charge with a customer")
	}
	slices.Sort(want)
	for _, tc := range []struct{ name, script string }{
		{"prepare-execute", "PREPARE s FROM 'SELECT id FROM charges WHERE customer = ? ORDER BY id'; SET @c = '" + customer + "'; EXECUTE s USING @c; DEALLOCATE PREPARE s"},
		{"prepare-alone-then-query", "PREPARE s FROM 'SELECT 1 FROM dual WHERE 1 = 0'; SELECT id FROM charges WHERE customer = '" + customer + "' ORDER BY id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := testutil.RunMySQL(t, env.Addr, "root", "", "stripe", tc.script, "--skip-column-names")
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Fields(out); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("ids %v, want %v", got, want)
			}
		})
	}
}
