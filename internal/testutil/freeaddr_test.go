package testutil

import (
	"net"
	"testing"
)

func TestFreeAddrIsBindableLoopback(t *testing.T) {
	addr := FreeAddr(t)
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("FreeAddr() = %q: %v", addr, err)
	}
	if host != "127.0.0.1" || port == "0" {
		t.Fatalf("FreeAddr() = %q, want 127.0.0.1 and a non-zero port", addr)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listening on FreeAddr() %q: %v", addr, err)
	}
	l.Close()
}
