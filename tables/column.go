package tables

// Kind is the SQL shape a Stripe field is served as. It is decided by the
// generator from the OpenAPI spec (see internal/specgen), never by hand, so
// that the schema follows the API version we pin.
type Kind int

const (
	// KindString is an id, a code, an enum (VARCHAR(255)) or free text
	// (TEXT, see Column.Text).
	KindString Kind = iota
	// KindInt is an integer (amounts are in minor units): BIGINT.
	KindInt
	// KindFloat is a JSON number that is not an integer: DOUBLE.
	KindFloat
	// KindDecimal is a string with `format: decimal` (e.g. unit_amount_decimal): DECIMAL.
	KindDecimal
	// KindBool is a boolean: BOOLEAN.
	KindBool
	// KindTime is an integer with `format: unix-time`: DATETIME in UTC.
	KindTime
	// KindJSON is an object, a hash such as metadata, or an array: JSON.
	KindJSON
	// KindRef is an expandable reference: the referenced object's id, also
	// when Stripe returns the object expanded.
	KindRef
	// KindMajor is an amount in its currency's major unit (a column
	// stripesql derives, see money.go): DECIMAL.
	KindMajor
)

// Column is one top-level property of a Stripe object.
type Column struct {
	Name     string
	Kind     Kind
	Nullable bool
	// Comment is the spec's description, shown in SHOW FULL COLUMNS and
	// information_schema.columns.
	Comment string
	// Text marks a KindString column holding free text (a name, a
	// description, a URL): the most characters Stripe allows in it. It is
	// served as TEXT (MEDIUMTEXT beyond what TEXT holds), so that a copy in
	// MySQL or MariaDB stores every value. 0 is an id, a reference, a code
	// or an enum: VARCHAR(255), which holds any Stripe id and keeps keys
	// within InnoDB's limits.
	Text int
}
