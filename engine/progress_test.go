package engine_test

import (
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// A long scan shows the objects received in SHOW PROCESSLIST while it
// runs, and logs its progress (pages, objects, rate, time left).
func TestLongScanShowsProgress(t *testing.T) {
	var log stripesqltest.Logs
	env := stripesqltest.Start(t, stripesqltest.Options{
		Fake:   fakestripe.Options{Scale: 3000, Latency: 400 * time.Millisecond},
		Logger: log.Logger(),
	})
	// One cursor: the scan lasts longer than progressEvery (5 s) however
	// fast parallel slices would read it.
	env.Client.SetParallelism(1)
	done := make(chan error, 1)
	go func() {
		var n int
		done <- env.DB.QueryRow("SELECT COUNT(*) FROM charges WHERE created >= '2023-01-01'").Scan(&n)
	}()
	watch, err := sql.Open("mysql", "root@tcp("+env.Addr+")/stripe")
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close()
	var state string
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && !strings.Contains(state, "objects from Stripe") {
		time.Sleep(100 * time.Millisecond)
		for _, r := range env.Rows(t, "SHOW FULL PROCESSLIST") {
			if strings.HasPrefix(r[7], "SELECT COUNT(*) FROM charges") {
				state = r[6]
			}
		}
	}
	if !strings.Contains(state, "objects from Stripe") {
		t.Errorf("process list state %q does not show the scan's progress", state)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(log.Lines("stripe scan progress", "objects_per_s=", "pages=")) == 0 {
		t.Errorf("no progress line in the log:\n%s", log.String())
	}
}
