package stripesqltest

import (
	"log/slog"
	"testing"

	"github.com/stripesql/stripesql/cache/disk"
	"github.com/stripesql/stripesql/tables/sqltable"
)

// StoreAccount is the account id the test stores are bound to (as the
// fake's GET /v1/account would say).
const StoreAccount = "acct_stripesqltest"

// openStore opens the disk store in dir of the account with key as
// stripesql does.
func openStore(t testing.TB, dir, key string, log *slog.Logger) *disk.Store {
	t.Helper()
	s, _, err := disk.Open(disk.Options{Dir: dir, Secret: []byte(key), Bind: StoreAccount,
		Format: sqltable.StoreFormat, Logger: log})
	if err != nil {
		t.Fatalf("opening the disk cache in %s: %v", dir, err)
	}
	return s
}
