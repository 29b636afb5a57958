package tables

import (
	"context"
	"errors"
	"net/http"

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
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return mysql.NewSQLError(erQueryInterrupted, "70100", "Query execution was interrupted (table %s: %s)", t.spec.Name, err)
	}
	var ae *APIError
	if errors.As(err, &ae) {
		code := erQueryOnForeignDataSource
		hint := ""
		switch {
		case ae.Status == 0:
			code = erConnectToForeignDataSource
			hint = " (check the network and --stripe-url)"
		case ae.Status == http.StatusUnauthorized:
			code = erConnectToForeignDataSource
			hint = " (check the API key given in STRIPE_API_KEY or --api-key-file)"
		case ae.Status == http.StatusForbidden:
			hint = " (the key may be a restricted key without read access to " + t.spec.Name + ")"
		case ae.Status == http.StatusTooManyRequests:
			hint = " (Stripe's rate limit; retry later)"
		}
		return mysql.NewSQLError(code, "HY000", "stripe: table %s: %s%s", t.spec.Name, ae.Error(), hint)
	}
	return mysql.NewSQLError(erQueryOnForeignDataSource, "HY000", "stripe: table %s: %s", t.spec.Name, redact(err.Error()))
}
