package stripesqltest

import (
	"testing"

	"github.com/stripesql/stripesql/cache/disk"
	"github.com/stripesql/stripesql/tables/sqltable"
)

// StoreAccount is the account id the test stores are bound to (as the
// fake's GET /v1/account would say).
const StoreAccount = "acct_stripesqltest"

// openStore opens the disk store of opts.CacheDir as stripesql does.
func openStore(t testing.TB, opts Options) *disk.Store {
	t.Helper()
	s, _, err := disk.Open(disk.Options{Dir: opts.CacheDir, Secret: []byte(opts.APIKey), Bind: StoreAccount,
		Format: sqltable.StoreFormat, Logger: opts.Logger})
	if err != nil {
		t.Fatalf("opening the disk cache in %s: %v", opts.CacheDir, err)
	}
	return s
}
