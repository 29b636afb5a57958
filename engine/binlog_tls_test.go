package engine_test

import (
	"crypto/md5"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// TLS ended beneath vitess (the tap that reads dump requests in clear)
// carries what crosses a TLS connection both ways, whatever its size,
// as plain TCP does; and its pumps end with the connections.
func TestTLSTapCarriesBothWays(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{TLS: true})
	before := runtime.NumGoroutine()
	sent := strings.Repeat("abcdefghij", 60_000) // a 600 kB query, 37 TLS records
	q := "SELECT LENGTH('" + sent + "'), MD5('" + sent + "'), REPEAT('z', 3000000)"
	for _, tc := range []struct {
		name string
		tls  bool
	}{{"plain", false}, {"TLS", true}} {
		t.Run(tc.name, func(t *testing.T) {
			db := env.Open(t, "root", "", tc.tls)
			var n int
			var sum, back string
			if err := db.QueryRow(q).Scan(&n, &sum, &back); err != nil {
				t.Fatal(err)
			}
			if n != len(sent) || sum != fmt.Sprintf("%x", md5.Sum([]byte(sent))) || back != strings.Repeat("z", 3000000) {
				t.Fatalf("LENGTH %d (want %d), MD5 %q, %d bytes back (want 3000000)", n, len(sent), sum, len(back))
			}
			db.Close()
		})
	}
	// The connections closed, their goroutines (pumps included) end.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after the connections closed, %d before", n, before)
	}
}
