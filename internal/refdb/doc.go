// Package refdb is the reference a stripesql answer is checked against: a
// real MariaDB (internal/mariadbtest) loaded with a fake Stripe account's
// objects, converted here from the objects themselves (not by stripesql's
// decoder), and answers of both servers normalised so that they compare.
// The benchmark's MariaDB comparison (internal/bench) and the recipes'
// test (internal/compat) use it.
package refdb
