// Package redistest starts a throwaway Redis from Debian's redis-server
// binary: a temporary directory, a free loopback TCP port, no
// persistence (a restart comes back empty, as a Redis that lost its
// memory does). Tests use Start (the server stops when the test ends);
// programs such as the benchmark use StartProcess and Stop. Kill and
// Restart let a test lose Redis mid-run and get it back on the same
// address.
//
// `make deps` installs redis-server when it is missing. Without it, Start
// skips the test, except in CI (CI=true), where it fails: CI must
// exercise the real server.
package redistest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/testutil"
)

// startTimeout bounds one start, until the server answers PING.
const startTimeout = 30 * time.Second

const missingBinary = "no redis-server binary; run `make deps` to install the Debian package redis-server"

// Server is one running redis-server.
type Server struct {
	bin    string
	dir    string
	port   int
	cmd    *exec.Cmd
	exited chan struct{}
}

// Binary returns the path of redis-server (PATH, /usr/bin, /usr/sbin).
func Binary() (string, error) {
	if p := testutil.LookPath("redis-server"); p != "" {
		return p, nil
	}
	return "", errors.New(missingBinary)
}

// Start starts a server for the test and stops it when the test ends.
// Without the binary the test is skipped, or fails when CI=true.
func Start(t testing.TB) *Server {
	t.Helper()
	if _, err := Binary(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redistest.Start: " + err.Error())
			return nil
		}
		t.Skip(err.Error())
		return nil
	}
	s, err := StartProcess()
	if err != nil {
		t.Fatalf("redistest.Start: %v", err)
		return nil
	}
	t.Cleanup(s.Stop)
	return s
}

// StartProcess starts a server on a new temporary directory and a free
// port; the caller must call Stop. A start that loses its port to another
// process (between choosing and binding it) is retried on another.
func StartProcess() (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "redistest-")
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin, dir: dir}
	for attempt := 1; ; attempt++ {
		if s.port, err = testutil.FreePort(); err != nil {
			break
		}
		if err = s.start(); err == nil {
			return s, nil
		}
		if attempt == 3 || !strings.Contains(err.Error(), "ddress already in use") {
			break
		}
	}
	os.RemoveAll(dir)
	return nil, err
}

// start runs redis-server on s.port and waits until it answers.
func (s *Server) start() error {
	args := []string{
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--dir", s.dir,
		"--save", "", // no snapshot: a restart comes back empty
		"--appendonly", "no",
		"--daemonize", "no",
		"--protected-mode", "yes",
		"--logfile", "", // stdout, into redis.log below
		"--maxmemory", "256mb",
		"--maxmemory-policy", "volatile-lru",
	}
	cmd := exec.Command(s.bin, args...)
	cmd.SysProcAttr = sysProcAttr()
	out, err := os.Create(filepath.Join(s.dir, "redis.log"))
	if err != nil {
		return err
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("redistest: starting %s: %v", s.bin, err)
	}
	s.cmd = cmd
	s.exited = make(chan struct{})
	go func() { cmd.Wait(); close(s.exited) }()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	for {
		select {
		case <-s.exited:
			return fmt.Errorf("redistest: redis-server exited while starting; log:\n%s", s.log())
		case <-ctx.Done():
			s.Kill()
			return fmt.Errorf("redistest: redis-server not answering after %v; log:\n%s", startTimeout, s.log())
		case <-time.After(20 * time.Millisecond):
		}
		if ping(s.Addr()) == nil {
			return nil
		}
	}
}

// ping sends PING in the inline protocol and expects +PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "+PONG" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// Addr is the server's 127.0.0.1:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// URL is the server's redis:// URL (database 0).
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Kill ends the server at once (SIGKILL), as a crash would; Restart
// starts it again on the same address.
func (s *Server) Kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
	s.cmd = nil
}

// Restart starts a killed server again on the same port, empty.
func (s *Server) Restart() error {
	s.Kill()
	var err error
	for attempt := 0; attempt < 50; attempt++ {
		if err = s.start(); err == nil || !strings.Contains(err.Error(), "ddress already in use") {
			return err
		}
		time.Sleep(100 * time.Millisecond) // the old socket may linger briefly
	}
	return err
}

// Stop ends the server and removes its directory; safe to call twice.
func (s *Server) Stop() {
	if s == nil {
		return
	}
	s.Kill()
	if s.dir != "" {
		os.RemoveAll(s.dir)
		s.dir = ""
	}
}

func (s *Server) log() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}
