package binlogtest

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/stripesql/stripesql/cache"
	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// failingKV fails every write once armed, as a full or broken disk does.
type failingKV struct {
	cache.KV
	armed atomic.Bool
}

func (k *failingKV) Write(ops []cache.Op, sync bool) error {
	if k.armed.Load() {
		return errors.New("no space left on device")
	}
	return k.KV.Write(ops, sync)
}

// When the store stops taking writes, the log stops where the disk does:
// the transaction that could not be written is not streamed (a restart
// would not have it, and would number the next one the same), and the
// consumer is told with ERROR 1236 instead of waiting forever.
func TestUnwritableStoreStopsTheStream(t *testing.T) {
	kv := &failingKV{}
	env := stripesqltest.Start(t, stripesqltest.Options{CacheTTL: time.Hour, Events: 50 * time.Millisecond, Binlog: true,
		CacheDir: t.TempDir(), WrapStore: func(inner cache.KV) cache.KV { kv.KV = inner; return kv }})
	customers := env.Fake.Objects("customers")
	st, err := syncer(t, env, "root", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Fake.SetMetadata("customers", customers[0]["id"].(string), "k", "1"); err != nil {
		t.Fatal(err)
	}
	first := next(t, st, 1)[0]
	kv.armed.Store(true)
	if err := env.Fake.SetMetadata("customers", customers[1]["id"].(string), "k", "2"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		ev, err := st.GetEvent(ctx)
		if err != nil {
			if !strings.Contains(err.Error(), "1236") || !strings.Contains(err.Error(), "could not be written to disk") {
				t.Fatalf("the stream ended with %v, want ERROR 1236 saying the log could not be written", err)
			}
			break
		}
		if _, ok := ev.Event.(*replication.GTIDEvent); ok {
			t.Fatalf("a transaction was streamed after the store failed: %v", ev.Header)
		}
	}
	var executed string
	if err := env.DB.QueryRow("SELECT @@GLOBAL.gtid_executed").Scan(&executed); err != nil {
		t.Fatal(err)
	}
	if uuid, _, _ := strings.Cut(first.gtid, ":"); executed != uuid+":1-1" {
		t.Errorf("gtid_executed = %s after the failed write, want %s:1-1", executed, uuid)
	}
}
