package engine

import (
	"context"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"
	"github.com/dolthub/vitess/go/mysql"

	"github.com/stripesql/stripesql/internal/timezone"
)

// erUnknownTimeZone is ER_UNKNOWN_TIME_ZONE.
const erUnknownTimeZone = 1298

// time_zone is go-mysql-server's, with two changes: a session starts in
// UTC (timezone.Default) rather than the host's zone, and SET refuses a
// zone it does not know with MySQL's error, instead of accepting any
// string and failing every later NOW() ("invalid time zone"). Offsets are
// kept as MySQL shows them ('+5:00' reads back as '+05:00').
func init() {
	sql.SystemVariables.AddSystemVariables([]sql.SystemVariable{&sql.MysqlSystemVariable{
		Name:              "time_zone",
		Scope:             sql.GetMysqlScope(sql.SystemVariableScope_Both),
		Dynamic:           true,
		SetVarHintApplies: true,
		Type:              zoneVarType{types.NewSystemStringType("time_zone")},
		Default:           timezone.Default,
	}})
}

// zoneVarType is a string system variable holding a time zone MySQL knows.
type zoneVarType struct{ sql.SystemVariableType }

func (z zoneVarType) Convert(ctx context.Context, v any) (any, sql.ConvertInRange, error) {
	s, inRange, err := z.SystemVariableType.Convert(ctx, v)
	if err != nil {
		return nil, inRange, err
	}
	str, _ := s.(string)
	if _, err := timezone.Parse(str); err != nil {
		return nil, sql.OutOfRange, mysql.NewSQLError(erUnknownTimeZone, "HY000", "%s", err.Error())
	}
	return timezone.Normalize(str), inRange, nil
}

// setDefaultTimeZone makes zone the time_zone new sessions start in (""
// leaves it), refusing a zone MySQL would not know with its error.
func setDefaultTimeZone(zone string) error {
	if zone == "" {
		return nil
	}
	return sql.SystemVariables.SetGlobal(sql.NewEmptyContext(), "time_zone", zone)
}
