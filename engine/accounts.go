package engine

import (
	"fmt"
	"regexp"
	"strings"
)

// databaseName is what an account's database may be called: a plain
// identifier, so that clients need no quoting (stripe_eu.charges).
var databaseName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// CheckDatabaseName says whether name can be an account's database.
func CheckDatabaseName(name string) error {
	if !databaseName.MatchString(name) {
		return fmt.Errorf("database name %q: want letters, digits and _ (at most 64, not starting with a digit)", name)
	}
	switch lower := strings.ToLower(name); lower {
	case "information_schema", "mysql", metaDatabaseName:
		return fmt.Errorf("database name %q is the server's own %s database: choose another", name, lower)
	}
	return nil
}

// checkAccounts verifies the accounts' database names: valid, and
// distinct regardless of case (the provider finds databases by their
// lower-case name, as MySQL clients may write either).
func checkAccounts(accounts []Account) error {
	seen := map[string]bool{}
	for _, a := range accounts {
		if err := CheckDatabaseName(a.Database); err != nil {
			return err
		}
		lower := strings.ToLower(a.Database)
		if seen[lower] {
			return fmt.Errorf("two Stripe accounts are served as database %q: give each its own name", a.Database)
		}
		seen[lower] = true
	}
	return nil
}
