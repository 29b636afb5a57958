package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/stripesql/stripesql/engine"
)

// securityFlags are who may connect, and how.
type securityFlags struct {
	users           userFlags
	usersFile       string
	tlsCert, tlsKey string
	requireTLS      bool
	shutdownTimeout time.Duration
	writes          writeFlags
	replicate       replicateFlags
}

func (f *securityFlags) register(fs *flag.FlagSet) {
	fs.Var(&f.users, "user", "MySQL account `name:password`, allowed to read (repeatable; the process list shows it: prefer --users-file)")
	fs.StringVar(&f.usersFile, "users-file", "", "read MySQL accounts from `file`, one name:password a line (# comments)")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "PEM certificate `file` for TLS on the MySQL protocol (with --tls-key)")
	fs.StringVar(&f.tlsKey, "tls-key", "", "PEM private key `file` of --tls-cert")
	fs.BoolVar(&f.requireTLS, "require-tls", false, "refuse connections without TLS (needs --tls-cert)")
	fs.DurationVar(&f.shutdownTimeout, "shutdown-timeout", 30*time.Second,
		"on SIGTERM, how long running queries may take to finish before they are stopped with an error")
	f.writes.register(fs)
	f.replicate.register(fs)
}

// apply adds the accounts and TLS settings to cfg.
func (f *securityFlags) apply(cfg *engine.Config) error {
	if err := f.users.err; err != nil {
		return usageError{err.Error()}
	}
	cfg.Users = append(cfg.Users, f.users.list...)
	if f.usersFile != "" {
		users, err := engine.ReadUsersFile(f.usersFile)
		if err != nil {
			return usageError{"--users-file: " + err.Error()}
		}
		if len(users) == 0 {
			return usageError{"--users-file " + f.usersFile + ": no account in it (want name:password lines)"}
		}
		cfg.Users = append(cfg.Users, users...)
	}
	switch {
	case (f.tlsCert == "") != (f.tlsKey == ""):
		return usageError{"--tls-cert and --tls-key go together"}
	case f.requireTLS && f.tlsCert == "":
		return usageError{"--require-tls needs a certificate: add --tls-cert and --tls-key"}
	case f.tlsCert != "":
		cert, err := tls.LoadX509KeyPair(f.tlsCert, f.tlsKey)
		if err != nil {
			return usageError{fmt.Sprintf("--tls-cert/--tls-key: %v", err)}
		}
		cfg.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	cfg.RequireTLS = f.requireTLS
	if err := f.writes.apply(cfg); err != nil {
		return err
	}
	if err := f.replicate.apply(cfg); err != nil {
		return err
	}
	if f.shutdownTimeout < 0 {
		return usageError{fmt.Sprintf("--shutdown-timeout %v: want a duration of 0 or more", f.shutdownTimeout)}
	}
	return nil
}

// connectHint is the command line that connects to the server.
func (f *securityFlags) connectHint(cfg engine.Config, host, port, database string) string {
	user, extra := "root", ""
	if len(cfg.Users) > 0 {
		user, extra = cfg.Users[0].Name, " -p"
	}
	if cfg.TLSConfig != nil {
		extra += " --ssl"
	}
	return fmt.Sprintf("mysql -h %s -P %s -u %s%s %s", host, port, user, extra, database)
}

// shutdown stops srv gracefully: running queries get shutdownTimeout to
// finish, then they are stopped with an error.
func (f *securityFlags) shutdown(srv *engine.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), f.shutdownTimeout)
	defer cancel()
	srv.Shutdown(ctx)
}

// userFlags collects repeated --user flags. A malformed one is reported
// by apply, not by Set: the flag package would quote the value, password
// and all.
type userFlags struct {
	list []engine.User
	err  error
}

func (u *userFlags) String() string {
	names := make([]string, len(u.list))
	for i, x := range u.list {
		names[i] = x.Name
	}
	return strings.Join(names, ",")
}

func (u *userFlags) Set(s string) error {
	user, err := engine.ParseUser(s)
	if err != nil && u.err == nil {
		u.err = fmt.Errorf("--user number %d: %v", len(u.list)+1, err)
	}
	if err == nil {
		u.list = append(u.list, user)
	}
	return nil
}
