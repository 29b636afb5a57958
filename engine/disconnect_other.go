//go:build !linux

package engine

import "net"

// peerClosed is Linux-only; elsewhere go-mysql-server's own check (every
// 5 s, multi-row results only) is what stops a statement whose client left.
func peerClosed(*net.TCPConn) bool { return false }
