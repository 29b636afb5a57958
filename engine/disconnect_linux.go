package engine

import (
	"net"

	"golang.org/x/sys/unix"
)

// peerClosed reports whether the client closed (or reset) the connection,
// from the kernel's TCP state: unlike a read, it consumes nothing, and it
// sees the close even when a TLS close_notify is still unread.
func peerClosed(c *net.TCPConn) bool {
	rc, err := c.SyscallConn()
	if err != nil {
		return false
	}
	var state uint8 = unix.BPF_TCP_ESTABLISHED
	if err := rc.Control(func(fd uintptr) {
		if info, err := unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO); err == nil {
			state = info.State
		}
	}); err != nil {
		// Closed here already: the TLS tap (binlog_tls.go) closes the
		// client's connection once the client has gone.
		return true
	}
	return state != unix.BPF_TCP_ESTABLISHED
}
