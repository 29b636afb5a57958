package refdb

import (
	"regexp"
	"strings"
)

var tableRef = regexp.MustCompile(`(?i)\b(?:FROM|JOIN)\s+([a-z_]+)\b(\s*\()?`)

// TablesOf are the tables a query reads (FROM and JOIN, not table
// functions such as JSON_TABLE(…)), lower case, as often as named.
func TablesOf(query string) []string {
	var out []string
	for _, m := range tableRef.FindAllStringSubmatch(query, -1) {
		if m[2] == "" {
			out = append(out, strings.ToLower(m[1]))
		}
	}
	return out
}

var unquotingPath = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_.]*)->>'([^']*)'`)

// ForMariaDB writes MySQL syntax MariaDB lacks in its own: col->>'path'
// is JSON_UNQUOTE(JSON_EXTRACT(col, 'path')).
func ForMariaDB(query string) string {
	return unquotingPath.ReplaceAllString(query, "JSON_UNQUOTE(JSON_EXTRACT($1, '$2'))")
}
