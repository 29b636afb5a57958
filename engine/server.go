package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	sqle "github.com/dolthub/go-mysql-server"
	"github.com/dolthub/go-mysql-server/server"
	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/analyzer"
	"github.com/dolthub/vitess/go/mysql"

	"github.com/stripesql/stripesql/tables"
)

// Account is one Stripe account served as a database.
type Account struct {
	// Database is the MySQL database name, e.g. "stripe".
	Database string
	Client   *tables.Client
}

// Config configures a server.
type Config struct {
	// Listen is host:port; Listener, when set, is used instead.
	Listen   string
	Listener net.Listener
	Accounts []Account
	Logger   *slog.Logger
}

// Server is a running MySQL-protocol server over Stripe accounts.
type Server struct {
	srv    *server.Server
	engine *sqle.Engine
	log    *slog.Logger
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
	routeLogrus(log)
	pro := &provider{dbs: map[string]*database{}}
	for _, a := range cfg.Accounts {
		db, err := newDatabase(a.Database, a.Client)
		if err != nil {
			return nil, err
		}
		pro.dbs[db.name] = db
	}
	eng := NewEngine(pro)
	scfg := server.Config{
		Protocol: "tcp",
		Address:  cfg.Listen,
		Listener: cfg.Listener,
		// A Stripe page can take seconds under rate limiting; the read
		// timeout also bounds the wait between two rows of a result.
		ConnReadTimeout:  10 * time.Minute,
		ConnWriteTimeout: 10 * time.Minute,
		MaxConnections:   1000,
	}
	srv, err := server.NewServer(scfg, eng, sql.NewContext, sessionBuilder, nil)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	return &Server{srv: srv, engine: eng, log: log}, nil
}

// NewEngine is the SQL engine over a provider, read-only.
func NewEngine(pro sql.DatabaseProvider) *sqle.Engine {
	a := analyzer.NewBuilder(pro).
		AddPreAnalyzeRule(orderedScansRuleID, orderedScans).
		AddPostAnalyzeRule(limitHintRuleID, limitHint).
		Build()
	a.ExecBuilder = explainBuilder{inner: a.ExecBuilder}
	return sqle.New(a, &sqle.Config{IsReadOnly: true})
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

// Close stops accepting connections and closes the open ones.
func (s *Server) Close() error { return s.srv.Close() }
