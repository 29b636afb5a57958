package engine

import (
	"encoding/binary"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dolthub/vitess/go/mysql"
)

// vitess reads the GTID set of COM_BINLOG_DUMP_GTID only when the
// request's flags carry BINLOG_THROUGH_GTID; MySQL reads it whatever the
// flags, and consumers (go-mysql, hence canal and the tools built on it)
// send flags 0. The set then never reaches the handler, and a consumer
// resuming would be sent everything again. So the server's connections
// keep the last dump request they read (dumpConn), and the guard reads
// the set from it. Over TLS the packets are readable only where TLS
// ends: the connection ends the client's TLS itself (tlsTap, in
// binlog_tls.go) and reads the packets there.

// dumpListener wraps accepted connections in dumpConns, found again by
// their remote address (vitess wraps them further: timeouts).
type dumpListener struct {
	net.Listener
	conns *sync.Map // remote address → *dumpConn
	tap   *tlsTap   // nil: the server offers no TLS
}

func (l dumpListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	dc := &dumpConn{Conn: c, conns: l.conns, tap: l.tap}
	l.conns.Store(c.RemoteAddr().String(), dc)
	return dc, nil
}

// maxDumpRequest bounds the dump request kept (a GTID set of thousands
// of intervals is well within it).
const maxDumpRequest = 1 << 20

// MySQL capability flags a client's first packet carries.
const (
	capProtocol41 = 0x200
	capSSL        = 0x800
)

// dumpConn follows the MySQL packets read from a client and keeps the
// payload of the last COM_BINLOG_DUMP_GTID. When the client asks for TLS
// (and the server offers it), the connection ends the client's TLS
// itself and hands vitess its own TLS over an in-process pipe, following
// the packets in between (tlsTap).
type dumpConn struct {
	net.Conn // the accepted connection
	conns    *sync.Map
	tap      *tlsTap
	up       atomic.Pointer[tapped] // after the client asked for TLS

	mu      sync.Mutex
	packets int    // client packets begun
	head    []byte // the packet header read so far
	left    int    // payload bytes of the current packet still to come
	first   bool   // the next payload byte is the packet's first
	keep    bool   // the current packet is a dump request
	hello   bool   // the current packet is the client's first
	cur     []byte
	dump    []byte
	stopped bool // the bytes that follow on this path are TLS
}

func (c *dumpConn) Close() error {
	c.conns.CompareAndDelete(c.RemoteAddr().String(), c)
	if u := c.up.Load(); u != nil {
		u.close()
	}
	return c.Conn.Close()
}

func (c *dumpConn) Read(p []byte) (int, error) {
	if u := c.up.Load(); u != nil {
		return u.vitess.Read(p)
	}
	// vitess reads the client's first packet directly, header then
	// payload: no byte of the TLS handshake after it is read here.
	n, err := c.Conn.Read(p)
	if n > 0 && c.follow(p[:n]) && c.tap != nil {
		c.up.Store(c.tap.start(c))
	}
	return n, err
}

func (c *dumpConn) Write(p []byte) (int, error) {
	if u := c.up.Load(); u != nil {
		return u.vitess.Write(p)
	}
	return c.Conn.Write(p)
}

// The deadlines vitess sets apply to its end of the pipe once TLS is
// ended here: a connection it gives up on is closed, which stops the
// pumps.

func (c *dumpConn) SetDeadline(t time.Time) error {
	if u := c.up.Load(); u != nil {
		return u.vitess.SetDeadline(t)
	}
	return c.Conn.SetDeadline(t)
}

func (c *dumpConn) SetReadDeadline(t time.Time) error {
	if u := c.up.Load(); u != nil {
		return u.vitess.SetReadDeadline(t)
	}
	return c.Conn.SetReadDeadline(t)
}

func (c *dumpConn) SetWriteDeadline(t time.Time) error {
	if u := c.up.Load(); u != nil {
		return u.vitess.SetWriteDeadline(t)
	}
	return c.Conn.SetWriteDeadline(t)
}

// follow advances the packet parser over b (bytes the client sent, in
// clear), and reports whether b ended the client's first packet asking
// for TLS (an SSLRequest): what follows on the wire is TLS. The test is
// vitess's (parseClientHandshakePacket): protocol 4.1 and CLIENT_SSL in
// the first packet's flags.
func (c *dumpConn) follow(b []byte) (startsTLS bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(b) > 0 && !c.stopped {
		if c.left == 0 {
			need := 4 - len(c.head)
			take := min(need, len(b))
			c.head = append(c.head, b[:take]...)
			b = b[take:]
			if len(c.head) < 4 {
				return false
			}
			c.left = int(c.head[0]) | int(c.head[1])<<8 | int(c.head[2])<<16
			seq := c.head[3]
			c.head = c.head[:0]
			c.packets++
			c.first, c.keep, c.cur = seq == 0, false, nil
			c.hello = c.packets == 1
			continue // the payload, if any, in what is left of b
		}
		take := min(c.left, len(b))
		if c.first {
			c.keep = b[0] == mysql.ComBinlogDumpGTID && c.left <= maxDumpRequest
			c.first = false
		}
		if c.keep || c.hello {
			c.cur = append(c.cur, b[:take]...)
		}
		c.left -= take
		b = b[take:]
		if c.left > 0 {
			continue
		}
		if c.keep {
			c.dump, c.cur, c.keep = c.cur, nil, false
		}
		if c.hello {
			hello := c.cur
			c.cur, c.hello = nil, false
			if len(hello) >= 4 {
				flags := binary.LittleEndian.Uint32(hello)
				if flags&capProtocol41 != 0 && flags&capSSL != 0 {
					// What follows is TLS: the tap follows it in clear.
					// (vitess reads this packet exactly, header then
					// payload: b holds nothing past it.)
					c.stopped = true
					return true
				}
			}
		}
	}
	return false
}

// gtidSet is the GTID set of the last dump request read, ok false when
// none was read or it holds none.
func (c *dumpConn) gtidSet() (mysql.GTIDSet, bool) {
	c.mu.Lock()
	d := c.dump
	c.mu.Unlock()
	// command, flags(2), server id(4), name length(4), name, position(8),
	// data size(4), data.
	if len(d) < 11 {
		return nil, false
	}
	pos := 7
	nameLen := int(binary.LittleEndian.Uint32(d[pos:]))
	pos += 4 + nameLen + 8
	if nameLen < 0 || len(d) < pos+4 {
		return nil, false
	}
	size := int(binary.LittleEndian.Uint32(d[pos:]))
	pos += 4
	if size < 0 || len(d) < pos+size {
		return nil, false
	}
	set, err := mysql.NewMysql56GTIDSetFromSIDBlock(d[pos : pos+size])
	if err != nil {
		return nil, false
	}
	return set, true
}

// dumpSet is the set a consumer sent: vitess's, or when vitess dropped it
// (no BINLOG_THROUGH_GTID flag), the one its connection read.
func (s *Server) dumpSet(c *mysql.Conn, set mysql.GTIDSet) mysql.GTIDSet {
	if set != nil {
		return set
	}
	if v, ok := s.dumpConns.Load(c.RemoteAddr().String()); ok {
		if s, ok := v.(*dumpConn).gtidSet(); ok {
			return s
		}
	}
	return set
}
