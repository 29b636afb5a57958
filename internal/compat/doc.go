// Package compat is the client-compatibility suite: real MySQL clients,
// drivers and BI-tool drivers (the mariadb CLI and mycli; PyMySQL,
// mysqlclient and SQLAlchemy; MariaDB Connector/J; Node's mysql2 and the
// Cube and Evidence drivers; go-sql-driver/mysql as Grafana uses it) run
// against a stripesql server over a fake Stripe account, each as its own
// subtest. Clients other than Go run as subprocesses from python/, java/ and
// node/ and print a JSON report of what their driver returned; the tests
// compare it with values computed from the fake account.
//
// `make compat-deps` (part of `make deps`) installs the clients: Debian
// packages and the npm packages locked in node/package-lock.json. A missing
// client skips its subtest locally and fails it in CI (CI=true).
package compat
