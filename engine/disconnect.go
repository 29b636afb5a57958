package engine

import (
	"context"
	"crypto/tls"
	"net"
	"time"

	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/netutil"
)

// clientCheckInterval is how often a running statement checks that its
// client is still connected. go-mysql-server checks every 5 s, and not at
// all for single-row results such as count(*); a statement whose client
// left would go on paging through Stripe.
const clientCheckInterval = 100 * time.Millisecond

// watchClient cancels a statement (cause errClientGone) once its client
// has closed the connection; the returned function stops watching.
func watchClient(ctx context.Context, c *mysql.Conn, cancel context.CancelCauseFunc) (stop func()) {
	conn := tcpConn(c.Conn)
	if conn == nil {
		return func() {}
	}
	stopc := make(chan struct{})
	go func() {
		t := time.NewTicker(clientCheckInterval)
		defer t.Stop()
		for {
			select {
			case <-stopc:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if peerClosed(conn) {
					cancel(errClientGone)
					return
				}
			}
		}
	}()
	return func() { close(stopc) }
}

// tcpConn finds the TCP connection under vitess's, TLS's and the dump
// request reader's wrappers.
func tcpConn(conn net.Conn) *net.TCPConn {
	for {
		switch c := conn.(type) {
		case *net.TCPConn:
			return c
		case *tls.Conn:
			conn = c.NetConn()
		case netutil.ConnWithTimeouts:
			conn = c.Conn
		case *netutil.ConnWithTimeouts:
			conn = c.Conn
		case *dumpConn: // binlog_dump.go
			conn = c.Conn
		default:
			return nil
		}
	}
}
