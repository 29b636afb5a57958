// Package dumptest checks that a Stripe account leaves stripesql with
// mariadb-dump (mysqldump) and lands in a real MariaDB intact: the fake
// account of `stripesql demo` is dumped with the tool's default options,
// restored into a throwaway mariadbd (internal/mariadbtest) and compared
// table by table with stripesql (row counts, sums of every amount, counts
// by status, the set of ids, every row). It also runs the options users
// reach for (--single-transaction, --no-data, --tables, --where) and a
// read-only account.
//
// The tools come from Debian's mariadb-client and mariadb-server, which
// `make deps` installs; without them the tests are skipped, except in CI
// (CI=true), where they fail.
package dumptest
