package main

import (
	"flag"
	"fmt"

	"github.com/stripesql/stripesql/engine"
	"github.com/stripesql/stripesql/engine/binlog"
)

// replicateFlags configure the change stream (the binary log served to
// CDC tools and replicas): --replicator for each MySQL account that may
// stream (without accounts, every client may), --server-id, and how many
// transactions the log keeps.
type replicateFlags struct {
	replicators writerNames
	serverID    uint
	retain      int64
}

func (f *replicateFlags) register(fs *flag.FlagSet) {
	fs.Var(&f.replicators, "replicator", "MySQL account `name` (of --user or --users-file) that may stream the binary log (REPLICATION SLAVE, REPLICATION CLIENT; repeatable, or a comma-separated list)")
	fs.UintVar(&f.serverID, "server-id", 1, "the server `id` the binary log's events carry (@@server_id; give each stripesql and each replica its own)")
	fs.Int64Var(&f.retain, "binlog-retain", binlog.DefaultRetain, "how many transactions (Stripe events) the binary log keeps, per account; a consumer further behind must take a new snapshot")
}

// apply marks the replicator accounts once the accounts are known.
func (f *replicateFlags) apply(cfg *engine.Config) error {
	if f.retain <= 0 {
		return usageError{fmt.Sprintf("--binlog-retain %d: want a number of transactions above 0", f.retain)}
	}
	if f.serverID == 0 || f.serverID > 1<<32-1 {
		return usageError{fmt.Sprintf("--server-id %d: want 1 to 4294967295", f.serverID)}
	}
	if len(cfg.Users) == 0 {
		return nil
	}
	for _, name := range f.replicators {
		found := false
		for i := range cfg.Users {
			if cfg.Users[i].Name == name {
				cfg.Users[i].Replicate, found = true, true
			}
		}
		if !found {
			return usageError{fmt.Sprintf("--replicator %s: no such account (add it with --user or --users-file)", name)}
		}
	}
	return nil
}

// source opens each account's binary log (engine.OpenBinlog).
func (f *replicateFlags) source(accounts []engine.Account) (*binlog.Source, error) {
	return engine.OpenBinlog(accounts, uint32(f.serverID), f.retain)
}
