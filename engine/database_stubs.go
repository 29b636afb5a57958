package engine

import (
	"time"

	"github.com/dolthub/go-mysql-server/sql"
)

// With MySQL accounts on, go-mysql-server wraps each database in a
// privilege-checking one whose view, procedure, trigger and event methods
// fail on a database that lacks them; even a plain SELECT looks views up.
// Our databases have none of these objects, and can create none: they
// embed noSchemaObjects.
type noSchemaObjects struct{}

var (
	_ sql.ViewDatabase            = (*database)(nil)
	_ sql.StoredProcedureDatabase = (*database)(nil)
	_ sql.TriggerDatabase         = (*database)(nil)
	_ sql.EventDatabase           = (*database)(nil)
	_ sql.ViewDatabase            = (*metaDatabase)(nil)
	_ sql.EventDatabase           = (*metaDatabase)(nil)
)

func (noSchemaObjects) GetViewDefinition(*sql.Context, string) (sql.ViewDefinition, bool, error) {
	return sql.ViewDefinition{}, false, nil
}
func (noSchemaObjects) AllViews(*sql.Context) ([]sql.ViewDefinition, error) { return nil, nil }
func (noSchemaObjects) CreateView(*sql.Context, string, string, string) error {
	return readOnlyError("CREATE VIEW")
}
func (noSchemaObjects) DropView(*sql.Context, string) error { return readOnlyError("DROP VIEW") }

func (noSchemaObjects) GetStoredProcedure(*sql.Context, string) (sql.StoredProcedureDetails, bool, error) {
	return sql.StoredProcedureDetails{}, false, nil
}
func (noSchemaObjects) GetStoredProcedures(*sql.Context) ([]sql.StoredProcedureDetails, error) {
	return nil, nil
}
func (noSchemaObjects) SaveStoredProcedure(*sql.Context, sql.StoredProcedureDetails) error {
	return readOnlyError("CREATE PROCEDURE")
}
func (noSchemaObjects) DropStoredProcedure(*sql.Context, string) error {
	return readOnlyError("DROP PROCEDURE")
}

func (noSchemaObjects) GetTriggers(*sql.Context) ([]sql.TriggerDefinition, error) { return nil, nil }
func (noSchemaObjects) CreateTrigger(*sql.Context, sql.TriggerDefinition) error {
	return readOnlyError("CREATE TRIGGER")
}
func (noSchemaObjects) DropTrigger(*sql.Context, string) error { return readOnlyError("DROP TRIGGER") }

func (noSchemaObjects) GetEvent(*sql.Context, string) (sql.EventDefinition, bool, error) {
	return sql.EventDefinition{}, false, nil
}
func (noSchemaObjects) GetEvents(*sql.Context) ([]sql.EventDefinition, interface{}, error) {
	return nil, nil, nil
}
func (noSchemaObjects) SaveEvent(*sql.Context, sql.EventDefinition) (bool, error) {
	return false, readOnlyError("CREATE EVENT")
}
func (noSchemaObjects) DropEvent(*sql.Context, string) error { return readOnlyError("DROP EVENT") }
func (noSchemaObjects) UpdateEvent(*sql.Context, string, sql.EventDefinition) (bool, error) {
	return false, readOnlyError("ALTER EVENT")
}
func (noSchemaObjects) UpdateLastExecuted(*sql.Context, string, time.Time) error { return nil }
func (noSchemaObjects) NeedsToReloadEvents(*sql.Context, interface{}) (bool, error) {
	return false, nil
}
