package engine

import (
	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"
)

// lastCreatedTable is stripe_meta.last_created: the objects the reading
// session's last INSERT created, in row order. LAST_INSERT_ID() cannot
// say it: Stripe's ids are strings.
func lastCreatedTable(p *writePolicy) *metaTable {
	cols := []metaColumn{
		{"insert_row", types.Int64, "the row of the INSERT (1 for the first)"},
		{"table_name", types.Text, "the table inserted into"},
		{"id", types.Text, "the Stripe id of the created object"},
	}
	t := newMetaTable("last_created", "The objects this session's last INSERT created (none before its first)", cols, nil)
	t.sessionRows = func(ctx *sql.Context) []sql.Row {
		created := p.lastCreated(ctx.Session.ID())
		rows := make([]sql.Row, len(created))
		for i, c := range created {
			rows[i] = sql.Row{int64(i + 1), c.Table, c.ID}
		}
		return rows
	}
	return t
}
