package sqltable

import (
	"context"
	"errors"
	"net/http"
	"regexp"

	"github.com/dolthub/vitess/go/mysql"
)

// MySQL error numbers for a failing foreign data source (as the FEDERATED
// engine reports them): clients and tools know what they mean.
const (
	erConnectToForeignDataSource = 1429
	erQueryOnForeignDataSource   = 1430
	erQueryInterrupted           = 1317
)

// sqlError turns a failure into the MySQL error the client sees: it names
// the table and Stripe's own error, never the key. The engine passes a
// *mysql.SQLError through unchanged.
func (t *Table) sqlError(err error) error {
	if err == nil {
		return nil
	}
	if se, ok := asSQLError(err); ok {
		return se
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return mysql.NewSQLError(erQueryInterrupted, "70100", "Query execution was interrupted (table %s: %s)", t.spec.Name, err)
	}
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusForbidden {
		return t.permissionError(ae)
	}
	if errors.As(err, &ae) {
		code := erQueryOnForeignDataSource
		hint := ""
		switch {
		case ae.Status == 0 && ae.Timeout:
			code = erConnectToForeignDataSource
			hint = " (Stripe did not answer in time; retry later)"
		case ae.Status == 0:
			code = erConnectToForeignDataSource
			hint = " (check the network and --stripe-url)"
		case ae.Code == "resource_missing" && ae.Param == "starting_after":
			hint = " (the object the scan was paging from was deleted meanwhile; run the query again)"
		case ae.Status == http.StatusUnauthorized:
			code = erConnectToForeignDataSource
			hint = " (check the API key given in STRIPE_API_KEY or --api-key-file)"
		case ae.Status == http.StatusTooManyRequests:
			hint = " (Stripe's rate limit; retry later)"
		}
		return mysql.NewSQLError(code, "HY000", "stripe: table %s: %s%s", t.spec.Name, ae.Error(), hint)
	}
	return mysql.NewSQLError(erQueryOnForeignDataSource, "HY000", "stripe: table %s: %s", t.spec.Name, redact(err.Error()))
}

// erTableAccessDenied is MySQL's "SELECT command denied … for table".
const erTableAccessDenied = 1142

// missingPermission finds the permission Stripe names in a restricted
// key's 403: "Having the 'rak_charge_read' permission would allow this
// request to continue."
var missingPermission = regexp.MustCompile(`Having the '([A-Za-z0-9_]+)' permission`)

// permissionError is the error for a table the key may not read: a
// restricted key without the table's read permission. Other tables keep
// working.
func (t *Table) permissionError(ae *APIError) error {
	perm := "the permission to read " + t.spec.Name
	if m := missingPermission.FindStringSubmatch(ae.Message); m != nil {
		perm = "the '" + m[1] + "' permission"
	}
	return mysql.NewSQLError(erTableAccessDenied, "42000",
		"SELECT command denied for table '%s': the Stripe API key lacks %s (give it to the restricted key in the Stripe dashboard) [%s]",
		t.spec.Name, perm, ae.Error())
}
