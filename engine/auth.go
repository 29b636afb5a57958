package engine

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"sort"
	"strings"
	"time"

	sqle "github.com/dolthub/go-mysql-server"
	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/mysql_db"
	"github.com/dolthub/vitess/go/mysql"
)

// User is a MySQL account of the server. Every account may read every
// Stripe database and nothing else: SELECT on those databases only.
type User struct {
	Name     string
	Password string
	// Write lets the account INSERT, UPDATE and DELETE when the server
	// allows writes (see write.go).
	Write bool
	// Replicate lets the account stream the binary log (REPLICATION
	// SLAVE, REPLICATION CLIENT) when the server has one (binlog.go).
	Replicate bool
}

// accounts authenticates clients against the configured users. It offers
// both mysql_native_password and caching_sha2_password for every user, so
// whichever the client starts with works: go-mysql-server's own auth
// server ties each user to one plugin. caching_sha2_password needs TLS
// (vitess refuses it on a plain TCP connection); a client that asks for it
// without TLS is switched to mysql_native_password.
//
// Only hashes are kept, as MySQL keeps them: SHA1(SHA1(password)) for
// mysql_native_password and SHA256(SHA256(password)) for
// caching_sha2_password's fast path.
type accounts struct {
	byName map[string]credential
	log    *slog.Logger
}

type credential struct {
	native, sha2 []byte
}

var _ mysql.AuthServer = (*accounts)(nil)

func newAccounts(users []User, log *slog.Logger) (*accounts, error) {
	a := &accounts{byName: map[string]credential{}, log: log}
	for _, u := range users {
		if err := u.check(); err != nil {
			return nil, err
		}
		if _, dup := a.byName[u.Name]; dup {
			return nil, fmt.Errorf("MySQL user %q is configured twice", u.Name)
		}
		a.byName[u.Name] = credential{native: nativeHash(u.Password), sha2: sha2Hash(u.Password)}
	}
	return a, nil
}

func (u User) check() error {
	switch {
	case u.Name == "":
		return fmt.Errorf("a MySQL user needs a name (name:password)")
	case strings.ContainsAny(u.Name, "'`@\\\x00"):
		return fmt.Errorf("MySQL user name %q: quotes, backslashes and @ are not allowed", u.Name)
	case u.Password == "":
		return fmt.Errorf("MySQL user %q needs a password: an account without one would let anyone read the Stripe account", u.Name)
	}
	return nil
}

func nativeHash(pw string) []byte {
	s1 := sha1.Sum([]byte(pw))
	s2 := sha1.Sum(s1[:])
	return s2[:]
}

func sha2Hash(pw string) []byte {
	s1 := sha256.Sum256([]byte(pw))
	s2 := sha256.Sum256(s1[:])
	return s2[:]
}

// AuthMethods lists mysql_native_password first: it is what a client is
// switched to when its own choice cannot be used.
func (a *accounts) AuthMethods() []mysql.AuthMethod {
	return []mysql.AuthMethod{
		mysql.NewMysqlNativeAuthMethod(a, a),
		mysql.NewSha2CachingAuthMethod(a, a, a),
	}
}

func (a *accounts) DefaultAuthMethodDescription() mysql.AuthMethodDescription {
	return mysql.MysqlNativePassword
}

// HandleUser accepts every name, known or not, so that an unknown user
// fails like a wrong password does and names cannot be probed.
func (a *accounts) HandleUser(string, net.Addr) bool { return true }

// UserEntryWithHash checks a mysql_native_password scramble.
func (a *accounts) UserEntryWithHash(_ []*x509.Certificate, salt []byte, user string, resp []byte, addr net.Addr) (mysql.Getter, error) {
	c, ok := a.byName[user]
	return a.login(user, addr, mysql.MysqlNativePassword, ok && mysql.VerifyHashedMysqlNativePassword(resp, salt, c.native))
}

// UserEntryWithCacheHash checks a caching_sha2_password scramble (the
// fast path: every password is "cached").
func (a *accounts) UserEntryWithCacheHash(_ []*x509.Certificate, salt []byte, user string, resp []byte, addr net.Addr) (mysql.Getter, mysql.CacheState, error) {
	c, ok := a.byName[user]
	u, err := a.login(user, addr, mysql.CachingSha2Password, ok && mysql.VerifyHashedCachingSha2Password(resp, salt, c.sha2))
	if err != nil {
		return nil, mysql.AuthRejected, err
	}
	return u, mysql.AuthAccepted, nil
}

// UserEntryWithPassword checks a password sent in clear over TLS
// (caching_sha2_password's full authentication).
func (a *accounts) UserEntryWithPassword(_ []*x509.Certificate, user, password string, addr net.Addr) (mysql.Getter, error) {
	c, ok := a.byName[user]
	return a.login(user, addr, mysql.CachingSha2Password, ok && subtle.ConstantTimeCompare(sha2Hash(password), c.sha2) == 1)
}

// login logs a login attempt and returns its outcome.
func (a *accounts) login(user string, addr net.Addr, method mysql.AuthMethodDescription, ok bool) (mysql.Getter, error) {
	if !ok {
		a.log.Warn("mysql login refused", "user", user, "from", addr.String(), "method", string(method))
		return nil, mysql.NewSQLError(mysql.ERAccessDeniedError, mysql.SSAccessDeniedError, "Access denied for user '%v' (using password: YES)", user)
	}
	a.log.Debug("mysql login", "user", user, "from", addr.String(), "method", string(method))
	return connectionUser(user, addr), nil
}

// connectionUser is what go-mysql-server's sessions and privilege checks
// read from a connection.
func connectionUser(user string, addr net.Addr) sql.MysqlConnectionUser {
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		host = addr.String()
	}
	return sql.MysqlConnectionUser{User: user, Host: host}
}

// servedDatabases lists the databases accounts may read: all but
// go-mysql-server's mysql database (information_schema needs no grant).
func servedDatabases(eng *sqle.Engine) []string {
	var out []string
	for _, db := range eng.Analyzer.Catalog.AllDatabases(sql.NewEmptyContext()) {
		switch name := db.Name(); strings.ToLower(name) {
		case "mysql", "information_schema":
		default:
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// grantReadOnly turns on go-mysql-server's privilege checks with one
// account per user, allowed SELECT on the Stripe databases and nothing
// else (not the mysql database, which holds the password hashes), but
// PROCESS: SHOW PROCESSLIST (which BI tools run) needs it, and it shows
// only statements on data every account may read.
func grantReadOnly(mdb *mysql_db.MySQLDb, users []User, databases []string) {
	mdb.SetPersister(&mysql_db.NoopPersister{})
	ed := mdb.Editor()
	defer ed.Close()
	for _, u := range users {
		ps := mysql_db.NewPrivilegeSet()
		ps.AddGlobalStatic(sql.PrivilegeType_Process)
		for _, db := range databases {
			// EXECUTE runs the stripe_* procedures (CALL stripe_flush()).
			ps.AddDatabase(db, sql.PrivilegeType_Select, sql.PrivilegeType_Execute)
		}
		ed.PutUser(&mysql_db.User{
			User:                u.Name,
			Host:                "%",
			PrivilegeSet:        ps,
			Plugin:              string(mysql.MysqlNativePassword),
			AuthString:          "*" + strings.ToUpper(hex.EncodeToString(nativeHash(u.Password))),
			PasswordLastChanged: time.Now().UTC(),
		})
	}
	mdb.SetEnabled(true)
}
