package testutil

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// FreeAddr returns a 127.0.0.1:port address that was free a moment ago.
// Another process may grab the port before the caller binds it; tests that
// can listen on ":0" themselves should prefer that.
func FreeAddr(t testing.TB) string {
	t.Helper()
	port, err := FreePort()
	if err != nil {
		t.Fatalf("testutil.FreeAddr: no free loopback port: %v", err)
		return ""
	}
	return net.JoinHostPort("127.0.0.1", itoa(port))
}

// FreePort returns a loopback TCP port that was free a moment ago (for
// servers the tests start as processes: MariaDB, Redis).
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// LookPath finds the first of names in PATH or in the directories Debian
// installs servers in (/usr/sbin, which a non-root PATH often lacks);
// "" when none is installed.
func LookPath(names ...string) string {
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
		for _, dir := range []string{"/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"} {
			p := filepath.Join(dir, name)
			if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
				return p
			}
		}
	}
	return ""
}

func itoa(n int) string {
	return strconv.Itoa(n)
}
