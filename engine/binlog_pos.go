package engine

import (
	"fmt"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"

	"github.com/stripesql/stripesql/engine/binlog"
)

// BINLOG_GTID_POS(file, position) turns a stream position into the GTID
// set it stands for, as MariaDB's function of that name does for its own
// GTIDs: mariadb-dump --master-data writes a position, while consumers
// in GTID mode start from a set (SELECT BINLOG_GTID_POS('binlog.000001',
// 157)). NULL for another file or a position among purged transactions.

// registerBinlogFunctions adds the change stream's functions to the
// server's catalog.
func registerBinlogFunctions(cat interface {
	RegisterFunction(*sql.Context, ...sql.Function)
}, src *binlog.Source) {
	cat.RegisterFunction(sql.NewEmptyContext(), sql.Function2{Name: "binlog_gtid_pos", Fn: func(file, pos sql.Expression) sql.Expression {
		return &gtidPos{src: src, file: file, pos: pos}
	}})
}

type gtidPos struct {
	src       *binlog.Source
	file, pos sql.Expression
}

var _ sql.FunctionExpression = (*gtidPos)(nil)

func (e *gtidPos) FunctionName() string { return "binlog_gtid_pos" }
func (e *gtidPos) Description() string {
	return "returns the GTID set of the transactions up to a binary log position"
}
func (e *gtidPos) Resolved() bool   { return e.file.Resolved() && e.pos.Resolved() }
func (e *gtidPos) String() string   { return fmt.Sprintf("BINLOG_GTID_POS(%s, %s)", e.file, e.pos) }
func (e *gtidPos) Type() sql.Type   { return types.LongText }
func (e *gtidPos) IsNullable() bool { return true }
func (e *gtidPos) Children() []sql.Expression {
	return []sql.Expression{e.file, e.pos}
}

func (e *gtidPos) WithChildren(children ...sql.Expression) (sql.Expression, error) {
	if len(children) != 2 {
		return nil, sql.ErrInvalidChildrenNumber.New(e, len(children), 2)
	}
	return &gtidPos{src: e.src, file: children[0], pos: children[1]}, nil
}

func (e *gtidPos) Eval(ctx *sql.Context, row sql.Row) (any, error) {
	file, err := e.file.Eval(ctx, row)
	if err != nil || file == nil {
		return nil, err
	}
	pos, err := e.pos.Eval(ctx, row)
	if err != nil || pos == nil {
		return nil, err
	}
	p, _, err := types.Uint64.Convert(ctx, pos)
	if err != nil {
		return nil, err
	}
	if e.src == nil {
		return nil, nil
	}
	set, ok := e.src.SetAt(fmt.Sprint(file), p.(uint64))
	if !ok {
		return nil, nil
	}
	return set, nil
}
