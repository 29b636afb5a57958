package sqltable

import (
	"net/url"

	"github.com/stripesql/stripesql/tables"
)

// forAccount adds the table's connected account (from a residual
// condition) to a request's parameters, unless the request has one.
func (t *Table) forAccount(params url.Values) url.Values {
	if t.account == "" || params.Get(tables.AccountParam) != "" {
		return params
	}
	out := url.Values{tables.AccountParam: {t.account}}
	for k, v := range params {
		out[k] = v
	}
	return out
}

// accountOf is the connected account a request reads, "" for the platform.
func accountOf(params url.Values) string { return params.Get(tables.AccountParam) }
