package testutil

import (
	"net"
	"testing"
)

// FreeAddr returns a 127.0.0.1:port address that was free a moment ago.
// Another process may grab the port before the caller binds it; tests that
// can listen on ":0" themselves should prefer that.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testutil.FreeAddr: no free loopback port: %v", err)
		return ""
	}
	defer l.Close()
	return l.Addr().String()
}
