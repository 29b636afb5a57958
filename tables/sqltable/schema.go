package sqltable

import (
	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"
	"github.com/dolthub/vitess/go/sqltypes"

	"github.com/stripesql/stripesql/tables"
)

// Collation is the collation of every string column: binary, because
// Stripe's filters are case-sensitive, so a pushed-down equality and the
// engine's own comparison must agree. It is the engine's default
// (utf8mb4_0900_bin), so DESCRIBE shows bare types; SHOW CREATE TABLE
// names it utf8mb4_bin (engine/ddl.go), which MariaDB knows too.
const Collation = sql.Collation_utf8mb4_0900_bin

// IDLength is the length of id, reference, code and enum columns
// (VARCHAR): Stripe documents ids of up to 255 characters, and an index of
// two such columns stays within InnoDB's 3072-byte key limit.
const IDLength = 255

var (
	stringType = types.MustCreateString(sqltypes.VarChar, IDLength, Collation)
	// textType holds free text of up to 16,383 characters (65,535 bytes of
	// utf8mb4), mediumTextType longer text (Stripe allows 40,000 in
	// charges.description).
	textType       = types.MustCreateString(sqltypes.Text, types.TextBlobMax, Collation)
	mediumTextType = types.MustCreateString(sqltypes.Text, types.MediumTextBlobMax, Collation)
	decimalType    = types.MustCreateDecimalType(30, 12)
	// majorType holds amounts in major units (see tables.MajorScale).
	majorType = types.MustCreateDecimalType(22, tables.MajorScale)
)

// sqlType is the column type a column is served as.
func sqlType(c tables.Column) sql.Type {
	switch c.Kind {
	case tables.KindInt:
		return types.Int64
	case tables.KindFloat:
		return types.Float64
	case tables.KindDecimal:
		return decimalType
	case tables.KindMajor:
		return majorType
	case tables.KindBool:
		return types.Boolean
	case tables.KindTime:
		// An instant, shown in the session's time zone (see zone.go).
		return types.Timestamp
	case tables.KindJSON:
		return types.JSON
	case tables.KindString:
		switch {
		case c.Text == 0:
			return stringType
		case int64(c.Text)*4 <= types.TextBlobMax: // 4 bytes a character in utf8mb4
			return textType
		default:
			return mediumTextType
		}
	default: // tables.KindRef
		return stringType
	}
}

// schemaFor builds the SQL schema of a spec's table: one column per
// top-level property of the object, id (or Spec.Key) as the primary key.
func schemaFor(s *tables.Spec, cols []tables.Column) sql.PrimaryKeySchema {
	schema := make(sql.Schema, len(cols))
	var pk []int
	key := s.KeyColumn()
	for i, c := range cols {
		schema[i] = &sql.Column{
			Name:       c.Name,
			Type:       sqlType(c),
			Nullable:   c.Nullable,
			Source:     s.Name,
			PrimaryKey: c.Name == key,
			Comment:    c.Comment,
		}
		if c.Name == key {
			schema[i].Nullable = false
			if c.Kind == tables.KindString {
				schema[i].Type = stringType // a key is never free text
			}
			pk = append(pk, i)
		}
	}
	return sql.NewPrimaryKeySchema(schema, pk...)
}
