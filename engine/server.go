package engine

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	sqle "github.com/dolthub/go-mysql-server"
	"github.com/dolthub/go-mysql-server/server"
	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/analyzer"
	"github.com/dolthub/vitess/go/mysql"

	"github.com/stripesql/stripesql/engine/binlog"
	"github.com/stripesql/stripesql/tables/sqltable"
)

// Account is one Stripe account served as a database.
type Account struct {
	// Database is the MySQL database name, e.g. "stripe".
	Database string
	Client   *sqltable.Client
}

// Config configures a server.
type Config struct {
	// Listen is host:port; Listener, when set, is used instead.
	Listen   string
	Listener net.Listener
	Accounts []Account
	Logger   *slog.Logger
	// Users are the MySQL accounts, each allowed to read every Stripe
	// database. Without any, every user name is let in without a password,
	// which New allows on a loopback address only.
	Users []User
	// TLSConfig, when set, offers TLS on the MySQL protocol (the client's
	// --ssl); caching_sha2_password logins need it.
	TLSConfig *tls.Config
	// RequireTLS refuses connections that do not use TLS.
	RequireTLS bool
	// AllowWrites runs INSERT, UPDATE and DELETE on Stripe tables as
	// Stripe requests, for the Users with Write (every client when there
	// are no Users); see write.go.
	AllowWrites bool
	// Binlog, when set, serves the accounts' changes as a MySQL binary
	// log (binlog.go) to the Users with Replicate (every client when
	// there are no Users).
	Binlog *binlog.Source
	// DefaultTimeZone, when set, is the time_zone sessions start in
	// (mysqld's --default-time-zone): an offset such as '+05:30', a tz
	// database name or SYSTEM. It is @@global.time_zone, which
	// go-mysql-server keeps for the whole process: one default per
	// process, as one mysqld has.
	DefaultTimeZone string
}

// Server is a running MySQL-protocol server over Stripe accounts.
type Server struct {
	srv    *server.Server
	engine *sqle.Engine
	log    *slog.Logger
	obs    *observer

	databases  []string // served, sorted
	authOn     bool     // MySQL accounts are checked
	requireTLS bool
	writes     *writePolicy

	sessions   sync.Map // connection id → sql.Session
	conns      sync.Map // connection id → *mysql.Conn
	statements inflights

	closeOnce   sync.Once
	stopLogging func()

	// The change stream (binlog.go): nil without one.
	binlog      *binlog.Source
	serverUUID  string
	replicators map[string]bool
	replicas    sync.Map // connection id → replica
	dumpConns   sync.Map // remote address → *dumpConn
	stopCtx     context.Context
	stopStreams context.CancelFunc
	// stopVariables stops @@GLOBAL variables answering from this
	// server's log (nil without one).
	stopVariables func()
}

// New builds the engine and binds the listening socket.
func New(cfg Config) (*Server, error) {
	if len(cfg.Accounts) == 0 {
		return nil, errors.New("engine: no Stripe account configured")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := checkAccounts(cfg.Accounts); err != nil {
		return nil, err
	}
	pro := &provider{dbs: map[string]*database{}}
	for _, a := range cfg.Accounts {
		db, err := newDatabase(a.Database, a.Client)
		if err != nil {
			return nil, err
		}
		db.writable = cfg.AllowWrites
		pro.dbs[strings.ToLower(db.name)] = db
	}
	obs := newObserver(cfg.Accounts, log)
	writes := newWritePolicy(cfg)
	meta := newMetaProvider(pro, obs)
	if cfg.AllowWrites {
		meta.meta.tables["last_created"] = lastCreatedTable(writes)
	}
	eng := NewEngine(meta)
	eng.ReadOnly.Store(!cfg.AllowWrites)
	if err := disableFileAccess(); err != nil {
		return nil, err
	}
	// After the engine is built: the first one built puts every global
	// variable back to its default (identify).
	if err := setDefaultTimeZone(cfg.DefaultTimeZone); err != nil {
		return nil, err
	}
	s := &Server{engine: eng, log: log, obs: obs, authOn: len(cfg.Users) > 0, requireTLS: cfg.RequireTLS, writes: writes,
		binlog: cfg.Binlog, replicators: map[string]bool{}}
	s.stopCtx, s.stopStreams = newStopContext()
	for _, u := range cfg.Users {
		if u.Replicate {
			s.replicators[u.Name] = true
		}
	}
	if s.binlog != nil && len(s.binlog.Logs) > 0 {
		s.serverUUID = s.binlog.Logs[0].UUID()
		s.stopVariables = useBinlogVariables(s.binlog, s.serverUUID)
		registerBinlogFunctions(eng.Analyzer.Catalog, s.binlog)
	}
	s.databases = servedDatabases(eng)
	var auth mysql.AuthServer
	if s.authOn {
		a, err := newAccounts(cfg.Users, log)
		if err != nil {
			return nil, err
		}
		auth = a
		grantReadOnly(eng.Analyzer.Catalog.MySQLDb, cfg.Users, s.databases)
		grantWrites(eng.Analyzer.Catalog.MySQLDb, cfg, s.databases)
	}
	if cfg.RequireTLS && cfg.TLSConfig == nil {
		return nil, errors.New("TLS is required but no certificate is configured")
	}
	ln := cfg.Listener
	if ln == nil {
		if err := CheckListen(cfg.Listen, cfg.Users); err != nil {
			return nil, err
		}
		l, err := net.Listen("tcp", cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("listen on %s: %w", cfg.Listen, err)
		}
		ln = l
	}
	if err := checkExposure(cfg.Listen, ln.Addr(), cfg.Users); err != nil {
		ln.Close()
		return nil, err
	}
	var tap *tlsTap
	vitessTLS := cfg.TLSConfig
	if cfg.TLSConfig != nil {
		var err error
		if tap, vitessTLS, err = newTLSTap(cfg.TLSConfig); err != nil { // binlog_tls.go
			ln.Close()
			return nil, err
		}
	}
	ln = dumpListener{Listener: ln, conns: &s.dumpConns, tap: tap} // binlog_dump.go
	scfg := server.Config{
		Protocol: "tcp",
		Address:  ln.Addr().String(),
		Listener: ln,
		// A Stripe page can take seconds under rate limiting; the read
		// timeout also bounds the wait between two rows of a result.
		ConnReadTimeout:  10 * time.Minute,
		ConnWriteTimeout: 10 * time.Minute,
		MaxConnections:   1000,
		TLSConfig:        vitessTLS,
		// vitess's own check writes an error but lets the handshake go
		// on; the guard refuses every command of such a connection.
		RequireSecureTransport: cfg.RequireTLS,
		ProtocolListenerFactory: func(c server.Config, lc mysql.ListenerConfig, sel server.ServerEventListener) (server.ProtocolListener, error) {
			if auth != nil {
				lc.AuthServer = auth
			}
			return server.MySQLProtocolListenerFactory(c, lc, sel)
		},
	}
	wrap := chainWrappers(compatHandlerWrapper, obs.wrapHandler, s.wrapGuard)
	srv, err := server.NewServerWithHandler(scfg, eng, newContext, s.newSession, nil, wrap)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	s.srv = srv
	s.stopLogging = routeLogrus(log)
	return s, nil
}

// wrapGuard is the server.HandlerWrapper installing the guard, outermost:
// what it refuses costs nothing further down.
func (s *Server) wrapGuard(h mysql.Handler) (mysql.Handler, error) {
	return guard{Handler: h, s: s}, nil
}

// newSession builds a connection's session; the guard reads its
// variables (max_execution_time).
func (s *Server) newSession(ctx context.Context, conn *mysql.Conn, addr string) (sql.Session, error) {
	sess, err := sessionBuilder(ctx, conn, addr)
	if err == nil {
		s.initBinlogVariables(sess)
		s.sessions.Store(conn.ConnectionID, sess)
	}
	return sess, err
}

// NewEngine is the SQL engine over a provider, read-only.
func NewEngine(pro sql.DatabaseProvider) *sqle.Engine {
	a := analyzer.NewBuilder(pro).
		AddPreAnalyzeRule(orderedScansRuleID, orderedScans).
		AddPreAnalyzeRule(transitiveRuleID, transitiveEqualities).
		AddPreAnalyzeRule(unixTimeRuleID, unixTimes).
		AddPreAnalyzeRule(sumTypeRuleID, decimalSums).
		AddPostAnalyzeRule(residualRuleID, residualFilters).
		AddPostAnalyzeRule(searchRuleID, searchFilters).
		AddPostAnalyzeRule(limitHintRuleID, limitHint).
		AddPostAnalyzeRule(topNRuleID, topNThroughProject).
		AddPostAnalyzeRule(exactDistinctRuleID, exactDistincts).
		AddPostAnalyzeRule(filterOnlyRuleID, filterOnlyGuard).
		AddPostAnalyzeRule(exactIntDivRuleID, exactIntDivs).
		Build()
	a.Coster = pinCoster{Coster: a.Coster}
	a.ExecBuilder = portableCreateDatabase{inner: explainBuilder{inner: newJoinBuilder()}}
	e := sqle.New(a, &sqle.Config{IsReadOnly: true})
	identify()
	emptyInformationSchemaResults(a.Catalog.InfoSchema)
	return e
}

func sessionBuilder(_ context.Context, conn *mysql.Conn, addr string) (sql.Session, error) {
	var host, user string
	if u, ok := conn.UserData.(sql.MysqlConnectionUser); ok {
		host, user = u.Host, u.User
	}
	client := sql.Client{Address: host, User: user, Capabilities: conn.Capabilities}
	s := sql.NewBaseSessionWithClientServer(addr, client, conn.ConnectionID)
	// A merge join needs both sides in index order; over Stripe that means
	// buffering whole lists, which a lookup or hash join avoids.
	if err := s.InitSessionVariable(sql.NewEmptyContext(), sql.DisableMergeJoin, int8(1)); err != nil {
		return nil, err
	}
	return s, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.srv.Listener.Addr() }

// Serve accepts connections until Close.
func (s *Server) Serve() error {
	err := s.srv.Start()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
