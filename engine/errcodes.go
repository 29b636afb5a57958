package engine

import (
	"errors"
	"regexp"
	"time"

	"github.com/dolthub/vitess/go/mysql"

	"github.com/stripesql/stripesql/internal/timezone"
)

// go-mysql-server reports some common mistakes with the catch-all 1105
// (ER_UNKNOWN_ERROR). Tools act on MySQL's own numbers (e.g. an unknown
// column, 1054, makes Metabase re-sync its schema), so those errors get
// them, with their text kept.
var errorNumbers = []struct {
	pattern *regexp.Regexp
	num     int
	state   string
	format  string
}{
	{regexp.MustCompile(`^column "([^"]+)" could not be found in any table in scope`), mysql.ERBadFieldError, "42S22", "Unknown column '%s' in 'field list'"},
	{regexp.MustCompile(`^syntax error at position \d+(?: near '(.*)')?`), mysql.ERParseError, "42000",
		"You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near '%s'"},
}

// timestampRangeRE is go-mysql-server's error for a datetime written to a
// TIMESTAMP column beyond its range (checked on the wall clock, before
// the table sees the row; the table checks the instant it names in the
// session's zone: sqltable's rowInZone).
var timestampRangeRE = regexp.MustCompile(`^value "(.*)" is outside of timestamp range`)

// withMySQLNumber returns err with MySQL's error number where
// go-mysql-server gave 1105 to an error MySQL numbers otherwise.
func withMySQLNumber(err error) error {
	var se *mysql.SQLError
	if !errors.As(err, &se) || se.Num != mysql.ERUnknownError {
		return err
	}
	if m := timestampRangeRE.FindStringSubmatch(se.Message); m != nil {
		return timezone.OutOfRange(m[1], "", 0, "", time.Time{})
	}
	for _, e := range errorNumbers {
		if m := e.pattern.FindStringSubmatch(se.Message); m != nil {
			arg := ""
			if len(m) > 1 {
				arg = m[1]
			}
			return mysql.NewSQLError(e.num, e.state, e.format, arg)
		}
	}
	return err
}
