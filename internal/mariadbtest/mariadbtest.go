// Package mariadbtest starts a throwaway MariaDB server from Debian's
// mariadb-server binaries (mariadbd, mariadb-install-db): a fresh data
// directory in a temporary directory, a free loopback TCP port, a unix
// socket beside the data, user root without a password. Tests use Start
// (the server stops when the test ends); programs such as the benchmark
// use StartProcess and Stop.
//
// `make deps` installs mariadb-server when it is missing. Without the
// binaries, Start skips the test, except in CI (CI=true), where it fails:
// CI must exercise the real server.
package mariadbtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/stripesql/stripesql/internal/testutil"
)

// StartTimeout bounds one start: data directory initialisation and the
// server until it answers a query.
const StartTimeout = 2 * time.Minute

// stopTimeout is how long Stop waits after SIGTERM before SIGKILL.
const stopTimeout = 30 * time.Second

const missingBinaries = "no MariaDB server binaries (mariadbd and mariadb-install-db); run `make deps` to install the Debian package mariadb-server"

// Server is one running mariadbd.
type Server struct {
	dir      string // holds data/, the socket, the error log
	ownDir   bool   // dir was created by StartProcess and is removed by Stop
	sockDir  string // a short directory for the socket when dir is too long, removed by Stop
	addr     string
	socket   string
	cmd      *exec.Cmd
	exited   chan struct{} // closed when the process has exited
	waitErr  error         // the process's exit status, once exited is closed
	stopOnce sync.Once
}

// Binaries returns the paths of mariadbd and mariadb-install-db, looked up
// in PATH and in /usr/sbin and /usr/bin (Debian installs mariadbd in
// /usr/sbin, which a non-root PATH often lacks).
func Binaries() (mariadbd, installDB string, err error) {
	mariadbd = testutil.LookPath("mariadbd", "mysqld")
	installDB = testutil.LookPath("mariadb-install-db", "mysql_install_db")
	if mariadbd == "" || installDB == "" {
		return "", "", errors.New(missingBinaries)
	}
	return mariadbd, installDB, nil
}

// Start starts a server for the test on a temporary directory and stops
// it (removing the directory) when the test ends. Without the binaries the
// test is skipped, or fails when CI=true.
func Start(t testing.TB) *Server {
	t.Helper()
	if _, _, err := Binaries(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("mariadbtest.Start: " + err.Error())
			return nil
		}
		t.Skip(err.Error())
		return nil
	}
	s, err := StartProcess("")
	if err != nil {
		t.Fatalf("mariadbtest.Start: %v", err)
		return nil
	}
	t.Cleanup(s.Stop)
	return s
}

// StartProcess starts a server whose data, socket and logs are under dir
// (created if missing; it should be empty). With dir "", a new temporary
// directory is used and Stop removes it. The caller must call Stop. A start
// that fails on its port (taken between choosing and binding it) is retried
// on another port.
func StartProcess(dir string) (*Server, error) {
	mariadbd, installDB, err := Binaries()
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir}
	if dir == "" {
		removeStale()
		if s.dir, err = os.MkdirTemp("", tempPrefix); err != nil {
			return nil, err
		}
		s.ownDir = true
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if s.dir, err = filepath.Abs(s.dir); err != nil {
		s.removeDirs()
		return nil, err
	}
	// A unix socket path is limited to 108 bytes.
	s.socket = filepath.Join(s.dir, "mariadb.sock")
	if len(s.socket) > 100 {
		if s.sockDir, err = os.MkdirTemp("", "mdb"); err != nil {
			s.removeDirs()
			return nil, err
		}
		s.socket = filepath.Join(s.sockDir, "mariadb.sock")
	}
	ctx, cancel := context.WithTimeout(context.Background(), StartTimeout)
	defer cancel()
	if err := s.install(ctx, installDB); err != nil {
		s.removeDirs()
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		err := s.start(ctx, mariadbd)
		if err == nil {
			return s, nil
		}
		s.kill()
		if attempt < 3 && ctx.Err() == nil && strings.Contains(s.errorLog(), "Bind on TCP/IP port") {
			continue
		}
		s.removeDirs()
		return nil, err
	}
}

// install creates the system tables in dir/data.
func (s *Server) install(ctx context.Context, installDB string) error {
	args := []string{
		"--no-defaults", // must come first
		"--datadir=" + s.dataDir(),
		"--auth-root-authentication-method=normal", // root without a password, from 127.0.0.1 too
		"--skip-test-db",
		"--skip-name-resolve",
	}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	cmd := exec.CommandContext(ctx, installDB, args...)
	cmd.Env = testutil.EnvironWithoutMySQLVars(os.Environ())
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("mariadbtest: %s: %v\n%s", filepath.Base(installDB), err, tail(string(out), 20))
	}
	return nil
}

// start runs mariadbd on a free port and waits until it answers.
func (s *Server) start(ctx context.Context, mariadbd string) error {
	port, err := testutil.FreePort()
	if err != nil {
		return err
	}
	s.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	_ = os.Remove(s.errorLogPath())
	args := []string{
		"--no-defaults", // must come first
		"--datadir=" + s.dataDir(),
		"--socket=" + s.socket,
		"--pid-file=" + filepath.Join(s.dir, "mariadb.pid"),
		"--log-error=" + s.errorLogPath(),
		"--port=" + strconv.Itoa(port),
		"--bind-address=127.0.0.1",
		"--skip-name-resolve",
		"--default-time-zone=+00:00",
		"--character-set-server=utf8mb4",
		"--collation-server=utf8mb4_general_ci",
		"--performance-schema=OFF",
		"--innodb-use-native-aio=0", // io_setup fails in some containers
		// A throwaway server: no durability, faster loads.
		"--innodb-flush-log-at-trx-commit=0",
		"--innodb-doublewrite=0",
		"--sync-binlog=0",
		"--innodb-buffer-pool-size=256M",
		"--max-allowed-packet=64M",
	}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root") // mariadbd refuses to run as root otherwise
	}
	cmd := exec.Command(mariadbd, args...)
	cmd.Env = testutil.EnvironWithoutMySQLVars(os.Environ())
	// Its own process group (a terminal's ^C goes to the parent, which stops
	// it), and killed if the parent dies without stopping it.
	cmd.SysProcAttr = sysProcAttr()
	out, err := os.Create(filepath.Join(s.dir, "mariadbd.out"))
	if err != nil {
		return err
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("mariadbtest: starting %s: %v", mariadbd, err)
	}
	s.cmd = cmd
	s.exited = make(chan struct{})
	go func() { s.waitErr = cmd.Wait(); close(s.exited) }()
	return s.waitReady(ctx)
}

// waitReady polls until the server answers a query over TCP as root.
func (s *Server) waitReady(ctx context.Context) error {
	db, err := sql.Open("mysql", s.DSN(""))
	if err != nil {
		return err
	}
	defer db.Close()
	var last error
	for {
		select {
		case <-s.exited:
			return fmt.Errorf("mariadbtest: mariadbd exited while starting (%v); error log:\n%s", s.waitErr, tail(s.errorLog(), 20))
		case <-ctx.Done():
			return fmt.Errorf("mariadbtest: mariadbd not ready after %v (last error: %v); error log:\n%s", StartTimeout, last, tail(s.errorLog(), 20))
		case <-time.After(50 * time.Millisecond):
		}
		qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		var one int
		last = db.QueryRowContext(qctx, "SELECT 1").Scan(&one)
		cancel()
		if last == nil {
			return nil
		}
	}
}

// Addr is the server's TCP address, 127.0.0.1:port.
func (s *Server) Addr() string { return s.addr }

// Socket is the path of the server's unix socket.
func (s *Server) Socket() string { return s.socket }

// Pid is the mariadbd process's id (to read its memory in /proc).
func (s *Server) Pid() int {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Dir is the directory holding the data directory (data/) and the logs.
func (s *Server) Dir() string { return s.dir }

// DSN is a github.com/go-sql-driver/mysql data source name for database db
// ("" for none) as root without a password over TCP, with no parameters
// (append "?parseTime=true" and such as needed).
func (s *Server) DSN(db string) string {
	c := mysql.NewConfig()
	c.User = "root"
	c.Net = "tcp"
	c.Addr = s.addr
	c.DBName = db
	return c.FormatDSN()
}

// Open opens a connection pool to database db, creating the database first
// when it does not exist (db "" opens without one).
func (s *Server) Open(db string) (*sql.DB, error) {
	if db != "" {
		admin, err := sql.Open("mysql", s.DSN(""))
		if err != nil {
			return nil, err
		}
		_, err = admin.Exec("CREATE DATABASE IF NOT EXISTS " + quoteIdent(db))
		admin.Close()
		if err != nil {
			return nil, err
		}
	}
	return sql.Open("mysql", s.DSN(db))
}

// Stop shuts the server down (SIGTERM, then SIGKILL after 30 s) and, for a
// server started on a directory of its own, removes the directory. It is
// safe to call more than once, and from several goroutines.
func (s *Server) Stop() {
	if s == nil {
		return
	}
	s.stopOnce.Do(s.stop)
}

func (s *Server) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(stopTimeout):
			s.kill()
		}
	}
	s.removeDirs()
}

// kill ends the process at once and waits for it.
func (s *Server) kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
}

func (s *Server) removeDirs() {
	if s.ownDir {
		_ = os.RemoveAll(s.dir)
	}
	if s.sockDir != "" {
		_ = os.RemoveAll(s.sockDir)
	}
}

func (s *Server) dataDir() string      { return filepath.Join(s.dir, "data") }
func (s *Server) errorLogPath() string { return filepath.Join(s.dir, "mariadb.err") }

func (s *Server) errorLog() string {
	b, _ := os.ReadFile(s.errorLogPath())
	out, _ := os.ReadFile(filepath.Join(s.dir, "mariadbd.out"))
	return string(b) + string(out)
}

// tempPrefix names the temporary directories of StartProcess("").
const tempPrefix = "mariadbtest-"

// removeStale removes the temporary directories of servers whose process
// is gone without a Stop (the test binary or bench was killed: mariadbd
// then dies with it, but its directory stays). A directory is stale when
// its pid file names a process that no longer exists, or when it has no
// pid file and is more than an hour old (a start that never got so far).
func removeStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), tempPrefix+"*"))
	for _, d := range dirs {
		st, err := os.Stat(d)
		if err != nil || !st.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(d, "mariadb.pid"))
		if err != nil {
			if os.IsNotExist(err) && time.Since(st.ModTime()) > time.Hour {
				_ = os.RemoveAll(d)
			}
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			_ = os.RemoveAll(d)
		}
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// zoneinfoDir is where the system's tz database lives (Debian's tzdata).
const zoneinfoDir = "/usr/share/zoneinfo"

// LoadTimeZones fills the server's time zone tables with the named zones
// (e.g. "America/New_York"), so that `SET time_zone = 'America/New_York'`
// and CONVERT_TZ work: a fresh data directory has them empty. Each zone is
// converted by mariadb-tzinfo-to-sql from the system's tz database, the
// source Go's time.LoadLocation reads too, so both sides agree on every
// transition.
func (s *Server) LoadTimeZones(names ...string) error {
	tool := testutil.LookPath("mariadb-tzinfo-to-sql", "mysql_tzinfo_to_sql")
	if tool == "" {
		return errors.New("mariadbtest: no mariadb-tzinfo-to-sql (package mariadb-server)")
	}
	db, err := s.Open("mysql")
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(context.Background())
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, name := range names {
		cmd := exec.Command(tool, filepath.Join(zoneinfoDir, name), name)
		cmd.Env = testutil.EnvironWithoutMySQLVars(os.Environ())
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("mariadbtest: %s %s: %v", filepath.Base(tool), name, err)
		}
		// One statement at a time: the driver sends no multi-statements.
		for _, stmt := range strings.Split(string(out), ";\n") {
			if strings.TrimSpace(stmt) == "" {
				continue
			}
			if _, err := conn.ExecContext(context.Background(), stmt); err != nil {
				return fmt.Errorf("mariadbtest: loading time zone %s: %v", name, err)
			}
		}
	}
	return nil
}
