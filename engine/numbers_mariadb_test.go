package engine_test

import (
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/stripesql/stripesql/internal/mariadbtest"
	"github.com/stripesql/stripesql/internal/stripesqltest"
	"github.com/stripesql/stripesql/internal/testutil"
	"github.com/stripesql/stripesql/tables"
)

// Numbers reach clients as MariaDB sends them: DOUBLE and FLOAT text as
// MariaDB writes it (what the mariadb CLI shows, byte for byte), and SUM
// and AVG over DECIMAL and integer columns typed and scaled as MariaDB
// types them, directly and through derived tables, CTEs and window
// functions. The reference is a real MariaDB holding the same charges.
func TestNumbersMatchMariaDB(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	ref := mariadbtest.Start(t)
	refDB, err := ref.Open("stripe")
	if err != nil {
		t.Fatal(err)
	}
	defer refDB.Close()
	loadChargesAmounts(t, refDB, env.Fake.Objects("charges"))

	// cliRows runs query through the mariadb command-line client, which
	// prints the wire's text as it comes (go-sql-driver parses DOUBLEs).
	cliRows := func(t *testing.T, addr, query string) [][]string {
		t.Helper()
		out, err := testutil.RunMySQL(t, addr, "root", "", "stripe", query, "--skip-column-names")
		if err != nil {
			t.Fatal(err)
		}
		var rows [][]string
		for line := range strings.Lines(out) {
			rows = append(rows, strings.Split(strings.TrimSuffix(line, "\n"), "\t"))
		}
		return rows
	}
	sameText := func(t *testing.T, exprs []string, query string) {
		t.Helper()
		got, want := cliRows(t, env.Addr, query), cliRows(t, ref.Addr(), query)
		if len(got) != len(want) || len(want) == 0 {
			t.Fatalf("%s: %d rows, MariaDB %d", query, len(got), len(want))
		}
		for r := range want {
			for c := range want[r] {
				if c >= len(got[r]) || got[r][c] != want[r][c] {
					name := fmt.Sprint("column ", c)
					if exprs != nil {
						name = exprs[c]
					}
					t.Errorf("row %d, %s: stripesql %q, MariaDB %q", r, name, at(got[r], c), want[r][c])
				}
			}
		}
	}

	t.Run("double and float literals", func(t *testing.T) {
		exprs := []string{"4274962e0", "1e15", "123456789012.5e0", "0.1e0 + 0.2e0", "-1.5e20", "1e100", "2.5e-300",
			"1.7976931348623157e308", "-1.7976931348623157e308", "5e-324", "2.2250738585072014e-308", "0e0",
			"123456789012345.6e0", "1234567890123456e0", "999999999999999e0", "99999999999999.95e0",
			"1.2345678901234567e-14", "-1.2345678901234567e-14", "1.2345678901234567e-10", "0.00012345e0",
			"-2.5e-8", "4050556489343827.5e0", "1.2345678901234568e17", "-1234567890123456.7e0", "1e0 / 3e0", "2e0 / 3e0", "100e0 / 7e0", "1e0 * 4274962"}
		for e := 1; e <= 20; e++ {
			exprs = append(exprs, fmt.Sprintf("1e%d", e), fmt.Sprintf("-1e-%d", e), fmt.Sprintf("1.5e%d", e), fmt.Sprintf("1.5e-%d", e))
		}
		// FLOAT: six significant digits, the same notation rules.
		for _, v := range []string{"4274962", "1.1", "1e15", "999999999999999", "99999999999999.9", "1e-15", "1.5e-15", "1e-16",
			"123456e10", "-0.000001234567", "3.4e38", "0", "12345.678", "16777217", "0.1", "1e14"} {
			exprs = append(exprs, "CAST("+v+" AS FLOAT)")
		}
		sameText(t, exprs, "SELECT "+strings.Join(exprs, ", "))
	})

	t.Run("random doubles and floats", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(7, 11))
		var exprs []string
		for len(exprs) < 400 {
			v := math.Float64frombits(rng.Uint64())
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue // impossible in MySQL
			}
			if len(exprs)%2 == 1 {
				// Around the notation's limits, where it matters most.
				v = (rng.Float64() - 0.5) * math.Pow(10, float64(rng.IntN(40)-20))
			}
			exprs = append(exprs, strconv.FormatFloat(v, 'e', -1, 64))
		}
		for i := range 100 {
			v := float32((rng.Float64() - 0.5) * math.Pow(10, float64(rng.IntN(40)-20)))
			exprs = append(exprs, "CAST("+strconv.FormatFloat(float64(v), 'e', -1, 32)+" AS FLOAT)")
			if i%10 == 0 {
				exprs = append(exprs, "CAST("+strconv.FormatFloat(float64(v), 'e', -1, 32)+" AS DOUBLE)")
			}
		}
		sameText(t, exprs, "SELECT "+strings.Join(exprs, ", "))
	})

	t.Run("doubles over a Stripe table", func(t *testing.T) {
		// Cold (from Stripe), then warm (from the row cache).
		for range 2 {
			sameText(t, nil, "SELECT id, amount * 1e9, amount / 7e0, amount * 1e-9, amount * 1.5e10 + 0.5e0, "+
				"CAST(amount AS FLOAT), CAST(amount * 1000 AS FLOAT) FROM charges ORDER BY id")
			sameText(t, nil, "SELECT currency, SUM(amount * 1e10), AVG(amount * 1e0), MAX(amount * 1e-7) FROM charges GROUP BY currency ORDER BY currency")
		}
	})

	t.Run("SUM and AVG over DECIMAL and integers", func(t *testing.T) {
		for _, q := range []string{
			"SELECT SUM(amount_major) FROM charges",
			"SELECT SUM(amount_major), AVG(amount_major), SUM(amount), AVG(amount), SUM(captured), AVG(captured) FROM charges",
			"SELECT amount_major FROM charges ORDER BY id",
			"SELECT currency, SUM(amount_major) AS s, AVG(amount_major) AS a, COUNT(*) FROM charges GROUP BY currency ORDER BY currency",
			"SELECT customer, currency, paid, ROW_NUMBER() OVER (PARTITION BY currency ORDER BY paid DESC, customer) r FROM " +
				"(SELECT customer, currency, SUM(amount_major) AS paid FROM charges GROUP BY customer, currency) t ORDER BY currency, r",
			"SELECT paid FROM (SELECT SUM(amount_major) AS paid FROM charges) t",
			"SELECT currency, a FROM (SELECT currency, AVG(amount_major) AS a FROM charges GROUP BY currency) t ORDER BY currency",
			"SELECT c, p FROM (SELECT currency c, paid p FROM (SELECT currency, SUM(amount_major) paid FROM charges GROUP BY currency) t1) t2 ORDER BY c",
			"WITH t AS (SELECT currency, SUM(amount) AS total, AVG(amount) AS mean FROM charges GROUP BY currency) SELECT currency, total, mean FROM t ORDER BY currency",
			"SELECT id, SUM(amount_major) OVER (PARTITION BY currency), AVG(amount) OVER (PARTITION BY currency), " +
				"AVG(amount_major) OVER (PARTITION BY currency ORDER BY id), SUM(amount) OVER (ORDER BY id) FROM charges ORDER BY id",
			"SELECT id, s, a FROM (SELECT id, SUM(amount_major) OVER (PARTITION BY currency) s, AVG(captured) OVER () a FROM charges) t ORDER BY id",
			"SELECT currency, SUM(amount_major) FROM charges WHERE amount > 1000 GROUP BY currency HAVING SUM(amount_major) > 10 ORDER BY SUM(amount_major) DESC",
		} {
			t.Run(q, func(t *testing.T) {
				got, gotTypes := typedRows(t, env.DB, q)
				want, wantTypes := typedRows(t, refDB, q)
				if !slices.Equal(gotTypes, wantTypes) {
					t.Errorf("column types %v, MariaDB %v", gotTypes, wantTypes)
				}
				if d := firstDiff(got, want); d != "" {
					t.Errorf("values differ from MariaDB's: %s", d)
				}
			})
		}
	})

	// Prepared statements use the binary protocol: the DOUBLE's bits
	// themselves, untouched by the text rewriting.
	t.Run("prepared statements", func(t *testing.T) {
		q := "SELECT amount * ?, amount / ? FROM charges WHERE amount > ? ORDER BY id"
		args := []any{1e9, 7.0, 0}
		got, want := floatRows(t, env.DB, q, args...), floatRows(t, refDB, q, args...)
		if !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("prepared: stripesql %v\nMariaDB %v", got, want)
		}
	})
}

func at(row []string, i int) string {
	if i < len(row) {
		return row[i]
	}
	return "(missing)"
}

// loadChargesAmounts copies the fake account's charges into MariaDB with
// their amounts: amount BIGINT and amount_major DECIMAL(22,3) as
// stripesql serves them.
func loadChargesAmounts(t *testing.T, db *sql.DB, charges []map[string]any) {
	t.Helper()
	if _, err := db.Exec("CREATE TABLE charges (id VARCHAR(255) COLLATE utf8mb4_bin PRIMARY KEY, customer VARCHAR(255) COLLATE utf8mb4_bin, " +
		"currency VARCHAR(255) NOT NULL, amount BIGINT NOT NULL, amount_major DECIMAL(22,3) NOT NULL, captured TINYINT(1) NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	var vals []string
	for _, c := range charges {
		cur := c["currency"].(string)
		amount := int64(c["amount"].(float64))
		customer := "NULL"
		if s, ok := c["customer"].(string); ok {
			customer = "'" + s + "'"
		}
		captured := 0
		if c["captured"] == true {
			captured = 1
		}
		vals = append(vals, fmt.Sprintf("('%s', %s, '%s', %d, %s, %d)", c["id"], customer, cur, amount,
			decimal.New(amount, -tables.MajorExponent(cur)).String(), captured))
	}
	if _, err := db.Exec("INSERT INTO charges VALUES " + strings.Join(vals, ",")); err != nil {
		t.Fatal(err)
	}
}

// typedRows runs query through go-sql-driver and returns the values as
// text (DECIMALs come as the wire's text) and the columns' types as
// "TYPE(precision,scale)".
func typedRows(t *testing.T, db *sql.DB, query string) (rows [][]string, colTypes []string) {
	t.Helper()
	rs, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	cts, err := rs.ColumnTypes()
	rs.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cts {
		p, s, _ := c.DecimalSize()
		colTypes = append(colTypes, fmt.Sprintf("%s(%d,%d)", c.DatabaseTypeName(), p, s))
	}
	if rows, err = stripesqltest.Query(t.Context(), db, query); err != nil {
		t.Fatal(err)
	}
	return rows, colTypes
}

// floatRows runs a prepared query (go-sql-driver prepares a statement
// with arguments) and scans every column as a float64.
func floatRows(t *testing.T, db *sql.DB, query string, args ...any) [][]float64 {
	t.Helper()
	rs, err := db.Query(query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	var out [][]float64
	for rs.Next() {
		row := make([]float64, len(cols))
		ptrs := make([]any, len(cols))
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, row)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no rows", query)
	}
	return out
}
