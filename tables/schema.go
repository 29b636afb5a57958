package tables

import (
	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"
	"github.com/dolthub/vitess/go/sqltypes"
)

// Strings compare in binary collation: Stripe's filters are case-sensitive,
// so a pushed-down equality and the engine's own comparison must agree.
var (
	stringType  = types.MustCreateString(sqltypes.VarChar, 5000, sql.Collation_utf8mb4_0900_bin)
	decimalType = types.MustCreateDecimalType(30, 12)
	// majorType holds amounts in major units: three decimals is the most
	// any currency has (BHD, JOD, KWD, OMR, TND).
	majorType = types.MustCreateDecimalType(22, 3)
)

// sqlType is the column type each Kind is served as.
func sqlType(k Kind) sql.Type {
	switch k {
	case KindInt:
		return types.Int64
	case KindFloat:
		return types.Float64
	case KindDecimal:
		return decimalType
	case KindMajor:
		return majorType
	case KindBool:
		return types.Boolean
	case KindTime:
		return types.Datetime
	case KindJSON:
		return types.JSON
	default: // KindString, KindRef
		return stringType
	}
}

// schemaFor builds the SQL schema of a spec's table: one column per
// top-level property of the object, id (or Spec.Key) as the primary key.
func schemaFor(s *Spec, cols []Column) sql.PrimaryKeySchema {
	schema := make(sql.Schema, len(cols))
	var pk []int
	key := s.key()
	for i, c := range cols {
		schema[i] = &sql.Column{
			Name:       c.Name,
			Type:       sqlType(c.Kind),
			Nullable:   c.Nullable,
			Source:     s.Name,
			PrimaryKey: c.Name == key,
			Comment:    c.Comment,
		}
		if c.Name == key {
			schema[i].Nullable = false
			pk = append(pk, i)
		}
	}
	return sql.NewPrimaryKeySchema(schema, pk...)
}
