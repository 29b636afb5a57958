package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/stripesql/stripesql/cache/disk"
	"github.com/stripesql/stripesql/tables/sqltable"
)

// The disk cache (serve only; demo stays in memory): each account's row
// cache and events cursors in an encrypted store under --cache-dir, one
// directory per database.

// defaultDiskCacheSize bounds each account's disk cache.
const defaultDiskCacheSize = 8 << 30

// storeFlags are the disk cache's flags.
type storeFlags struct {
	dir      string
	diskSize byteSize
}

func (f *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.dir, "cache-dir", "", "keep the row cache on disk, encrypted, in `dir` (one directory per database; "+
		"default $XDG_CACHE_HOME/stripesql, else ~/.cache/stripesql); off: memory only")
	f.diskSize = defaultDiskCacheSize
	fs.Var(&f.diskSize, "disk-cache-size", "bound of each account's disk cache: a `size` such as 8GiB or 500GB (least recently used rows out first)")
}

// resolve is the cache directory, "" for memory only: --cache-dir, else
// the user's cache directory ($XDG_CACHE_HOME, else $HOME/.cache).
func (f *storeFlags) resolve(getenv func(string) string) string {
	switch {
	case strings.EqualFold(f.dir, "off"):
		return ""
	case f.dir != "":
		return f.dir
	case getenv("XDG_CACHE_HOME") != "":
		return filepath.Join(getenv("XDG_CACHE_HOME"), "stripesql")
	case getenv("HOME") != "":
		return filepath.Join(getenv("HOME"), ".cache", "stripesql")
	}
	return ""
}

// openStore gives an account's client its disk store, in dir, when the
// cache is on; it returns the store (nil: none) to close at the end.
func openStore(sf *serverFlags, dir string, a servedAccount, key, accountID string, c *sqltable.Client, log *slog.Logger) (*disk.Store, error) {
	if dir == "" || sf.cacheTTL <= 0 {
		return nil, nil
	}
	path := filepath.Join(dir, a.database)
	s, opened, err := disk.Open(disk.Options{Dir: path, Secret: []byte(key), Bind: accountID, Format: sqltable.StoreFormat, Logger: log})
	if errors.Is(err, disk.ErrLocked) {
		return nil, usageError{a.label() + "--cache-dir " + path + ": " + err.Error()}
	}
	if err != nil {
		return nil, fmt.Errorf("%s--cache-dir %s: %v", a.label(), path, sqltable.Redact(err.Error()))
	}
	if opened.Wiped {
		log.Info("cache: dropped what the disk cache held", "database", a.database, "reason", opened.Reason)
	}
	c.UseStore(s, int64(sf.store.diskSize))
	log.Info("cache: rows are kept on disk", "database", a.database, "dir", path)
	return s, nil
}

// accountOf reads the account the key is of from GET /v1/account's answer.
func accountOf(body []byte) string {
	var acct struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(body, &acct)
	return acct.ID
}
