package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/sqltypes"
	querypb "github.com/dolthub/vitess/go/vt/proto/query"
	"github.com/dolthub/vitess/go/vt/sqlparser"

	"github.com/stripesql/stripesql/engine/binlog"
)

// The change stream (Config.Binlog): stripesql is a binlog source.
// go-mysql-server dispatches COM_REGISTER_REPLICA and
// COM_BINLOG_DUMP_GTID to a handler that implements
// mysql.BinlogReplicaHandler; the guard is the outermost handler, so it
// answers them itself (its embedded mysql.Handler does not carry the
// methods up), after checking the account may replicate, and streams
// binlog.Source. It also answers SHOW BINARY LOG STATUS (SHOW MASTER
// STATUS), SHOW BINARY LOGS and SHOW REPLICAS, and sessions see the
// variables consumers check before they stream.

// errReplicationDenied is MySQL's answer to an account without
// REPLICATION SLAVE.
func errReplicationDenied(priv string) error {
	return mysql.NewSQLError(mysql.ERSpecifiedAccessDenied, "42000",
		"Access denied; you need (at least one of) the %s privilege(s) for this operation (the account is not a --replicator)", priv)
}

// replica is a registered consumer, for SHOW REPLICAS.
type replica struct {
	host string
	port uint16
}

// mayReplicate reports whether the connection's account may stream.
func (s *Server) mayReplicate(c *mysql.Conn) bool {
	return !s.authOn || s.replicators[c.User]
}

// ComRegisterReplica registers a consumer (mysql.BinlogReplicaHandler).
func (g guard) ComRegisterReplica(c *mysql.Conn, host string, port uint16, _, _ string) error {
	if err := g.admit(c); err != nil {
		return err
	}
	if g.s.binlog == nil {
		return mysql.NewSQLError(mysql.ERUnknownError, "HY000", "The change stream is off: it needs the events watcher (--cache-refresh-events > 0 and --cache-ttl > 0)")
	}
	if !g.s.mayReplicate(c) {
		return errReplicationDenied("REPLICATION SLAVE")
	}
	g.s.replicas.Store(c.ConnectionID, replica{host: host, port: port})
	return nil
}

// ComBinlogDumpGTID streams the binary log (mysql.BinlogReplicaHandler)
// until the consumer goes away or the server stops.
func (g guard) ComBinlogDumpGTID(c *mysql.Conn, _ string, _ uint64, set mysql.GTIDSet) error {
	if err := g.admit(c); err != nil {
		return err
	}
	if g.s.binlog == nil {
		return mysql.NewSQLError(binlog.ErrorCode, "HY000", "The change stream is off: it needs the events watcher (--cache-refresh-events > 0 and --cache-ttl > 0)")
	}
	if !g.s.mayReplicate(c) {
		return errReplicationDenied("REPLICATION SLAVE")
	}
	set = g.s.dumpSet(c, set)
	g.s.log.Info("binlog: a consumer streams", "user", c.User, "connection", c.ConnectionID, "gtid_set", fmt.Sprint(set))
	err := g.s.binlog.Dump(g.s.stopCtx, c, set, g.s.wantsChecksummedRotate(c))
	if err != nil {
		g.s.log.Warn("binlog: a consumer was refused", "user", c.User, "error", err.Error())
	}
	return err
}

var _ mysql.BinlogReplicaHandler = guard{}

// wantsChecksummedRotate reads what the consumer set in
// @source_binlog_checksum (or @master_binlog_checksum) before dumping:
// CRC32 asks for the opening ROTATE with a checksum.
func (s *Server) wantsChecksummedRotate(c *mysql.Conn) bool {
	v, ok := s.sessions.Load(c.ConnectionID)
	if !ok {
		return false
	}
	sess := v.(sql.Session)
	ctx := sql.NewContext(context.Background(), sql.WithSession(sess))
	for _, name := range []string{"source_binlog_checksum", "master_binlog_checksum"} {
		if _, val, err := sess.GetUserVariable(ctx, name); err == nil && val != nil {
			return strings.EqualFold(fmt.Sprint(val), "CRC32")
		}
	}
	return false
}

// answersBinlog reports the SHOW statements of the change stream.
func answersBinlog(st *sqlparser.Show) bool {
	switch strings.ToLower(st.Type) {
	case "binary log status", "binary logs", "replicas":
		return true
	}
	return false
}

// showBinlog answers SHOW BINARY LOG STATUS, SHOW BINARY LOGS and SHOW
// REPLICAS; REPLICATION CLIENT (a --replicator) is needed, as in MySQL.
func (g guard) showBinlog(c *mysql.Conn, st *sqlparser.Show, callback mysql.ResultSpoolFn, more bool) error {
	if !g.s.mayReplicate(c) {
		return errReplicationDenied("SUPER, REPLICATION CLIENT")
	}
	src := g.s.binlog
	res := &sqltypes.Result{}
	switch strings.ToLower(st.Type) {
	case "binary log status":
		res.Fields = fields("File", "Position", "Binlog_Do_DB", "Binlog_Ignore_DB", "Executed_Gtid_Set")
		if src != nil {
			res.Rows = [][]sqltypes.Value{{text(binlog.File), sqltypes.NewUint64(src.End()), text(""), text(""), text(src.Executed())}}
		}
	case "binary logs":
		res.Fields = fields("Log_name", "File_size", "Encrypted")
		if src != nil {
			res.Rows = [][]sqltypes.Value{{text(binlog.File), sqltypes.NewUint64(src.End()), text("No")}}
		}
	default:
		res.Fields = fields("Server_Id", "Host", "Port", "Source_Id", "Replica_UUID")
		g.s.replicas.Range(func(_, v any) bool {
			r := v.(replica)
			res.Rows = append(res.Rows, []sqltypes.Value{sqltypes.NewUint64(0), text(r.host), sqltypes.NewUint64(uint64(r.port)),
				sqltypes.NewUint64(uint64(src.ServerID)), text("")})
			return true
		})
	}
	for i, f := range res.Fields {
		if len(res.Rows) > 0 && res.Rows[0][i].Type() == querypb.Type_UINT64 {
			f.Type = querypb.Type_UINT64
		}
	}
	return callback(res, more)
}

func fields(names ...string) []*querypb.Field {
	out := make([]*querypb.Field, len(names))
	for i, n := range names {
		out[i] = &querypb.Field{Name: n, Type: querypb.Type_VARCHAR, Charset: mysql.CharacterSetUtf8}
	}
	return out
}

func text(s string) sqltypes.Value { return sqltypes.NewVarChar(s) }

// The variables consumers read: static ones as MySQL 8 with GTIDs and
// row-based logging, and the GTID sets of the server's log. Sessions get
// them when they start (SELECT @@gtid_executed reads the session's copy,
// which is never ahead of the log: a position a little behind only
// replays what a consumer applies idempotently by primary key); @@GLOBAL
// reads go to the registry, which asks the source of the newest server
// with a change stream (one per process in production).
func binlogVariables(src *binlog.Source, serverUUID string) map[string]any {
	return map[string]any{
		"server_uuid":              serverUUID,
		"server_id":                src.ServerID,
		"log_bin":                  int8(1),
		"gtid_mode":                "ON",
		"enforce_gtid_consistency": "ON",
		"binlog_format":            "ROW",
		"binlog_row_image":         "FULL",
		"binlog_row_metadata":      "FULL",
		"binlog_checksum":          "CRC32",
		"gtid_executed":            src.Executed(),
		"gtid_purged":              src.Purged(),
	}
}

// activeBinlog is the source @@GLOBAL variables answer from.
var activeBinlog atomic.Pointer[binlogSource]

type binlogSource struct {
	src  *binlog.Source
	uuid string
}

var wrapVariables sync.Once

// useBinlogVariables makes src the one @@GLOBAL variables answer from,
// until the function returned is called (at Shutdown).
func useBinlogVariables(src *binlog.Source, uuid string) func() {
	wrapVariables.Do(func() {
		sql.SystemVariables = binlogRegistry{sql.SystemVariables}
	})
	mine := &binlogSource{src: src, uuid: uuid}
	activeBinlog.Store(mine)
	return func() { activeBinlog.CompareAndSwap(mine, nil) }
}

// binlogRegistry answers the change stream's variables from the active
// source, the others from go-mysql-server's registry.
type binlogRegistry struct{ sql.SystemVariableRegistry }

func (r binlogRegistry) GetGlobal(name string) (sql.SystemVariable, any, bool) {
	v, val, ok := r.SystemVariableRegistry.GetGlobal(name)
	if a := activeBinlog.Load(); ok && a != nil {
		if x, found := binlogVariables(a.src, a.uuid)[strings.ToLower(name)]; found {
			return v, x, true
		}
	}
	return v, val, ok
}

func (r binlogRegistry) GetAllGlobalVariables() map[string]any {
	all := r.SystemVariableRegistry.GetAllGlobalVariables()
	if a := activeBinlog.Load(); a != nil {
		for k, v := range binlogVariables(a.src, a.uuid) {
			all[k] = v
		}
	}
	return all
}

// initBinlogVariables gives a new session the server's stream variables.
func (s *Server) initBinlogVariables(sess sql.Session) {
	if s.binlog == nil {
		return
	}
	init, ok := sess.(interface {
		InitSessionVariable(*sql.Context, string, any) error
	})
	if !ok {
		return
	}
	ctx := sql.NewEmptyContext()
	for k, v := range binlogVariables(s.binlog, s.serverUUID) {
		if err := init.InitSessionVariable(ctx, k, v); err != nil {
			s.log.Debug("binlog: a session variable was not set", "variable", k, "error", err.Error())
		}
	}
}

// stopContext is the context streams end with: done at Shutdown.
func newStopContext() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}

// OpenBinlog opens the binary log of each account (kept in its disk
// cache when it has one) and has the events its client applies from now
// on recorded there: call it before the events watchers catch up.
func OpenBinlog(accounts []Account, serverID uint32, retain int64) (*binlog.Source, error) {
	src := &binlog.Source{ServerID: serverID}
	for _, a := range accounts {
		l, err := binlog.Open(a.Client.ChangeStore(), a.Database, retain)
		if err != nil {
			return nil, fmt.Errorf("database %s: %v", a.Database, err)
		}
		a.Client.SetChangeLog(l)
		src.Logs = append(src.Logs, l)
	}
	return src, nil
}

// BinlogOf is the binary log of database db (nil: none).
func (s *Server) BinlogOf(db string) *binlog.Log {
	if s.binlog == nil {
		return nil
	}
	for _, l := range s.binlog.Logs {
		if strings.EqualFold(l.Database(), db) {
			return l
		}
	}
	return nil
}
