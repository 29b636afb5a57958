package engine

import (
	"encoding/binary"
	"net"
	"sync"

	"github.com/dolthub/vitess/go/mysql"
)

// vitess reads the GTID set of COM_BINLOG_DUMP_GTID only when the
// request's flags carry BINLOG_THROUGH_GTID; MySQL reads it whatever the
// flags, and consumers (go-mysql, hence canal and the tools built on it)
// send flags 0. The set then never reaches the handler, and a consumer
// resuming would be sent everything again. So the server's connections
// keep the last dump request they read (dumpConn), and the guard reads
// the set from it. A TLS connection's bytes are encrypted below vitess:
// its set is vitess's (see README, Change stream).

// dumpListener wraps accepted connections in dumpConns, found again by
// their remote address (vitess wraps them further: timeouts).
type dumpListener struct {
	net.Listener
	conns *sync.Map // remote address → *dumpConn
}

func (l dumpListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	dc := &dumpConn{Conn: c, conns: l.conns}
	l.conns.Store(c.RemoteAddr().String(), dc)
	return dc, nil
}

// maxDumpRequest bounds the dump request kept (a GTID set of thousands
// of intervals is well within it).
const maxDumpRequest = 1 << 20

// dumpConn follows the MySQL packets read from a client and keeps the
// payload of the last COM_BINLOG_DUMP_GTID.
type dumpConn struct {
	net.Conn
	conns  *sync.Map
	mu     sync.Mutex
	head   []byte // the packet header read so far
	left   int    // payload bytes of the current packet still to come
	first  bool   // the next payload byte is the packet's first
	keep   bool   // the current packet is a dump request
	cur    []byte
	dump   []byte
	broken bool
}

func (c *dumpConn) Close() error {
	c.conns.CompareAndDelete(c.RemoteAddr().String(), c)
	return c.Conn.Close()
}

func (c *dumpConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.follow(p[:n])
	}
	return n, err
}

// follow advances the packet parser over b.
func (c *dumpConn) follow(b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(b) > 0 && !c.broken {
		if c.left == 0 && len(c.head) == 0 && len(b) >= 2 && b[0] == 0x16 && b[1] == 0x03 {
			// A TLS handshake record: what follows is encrypted (its set
			// is vitess's to read).
			c.broken = true
			return
		}
		if c.left == 0 {
			need := 4 - len(c.head)
			take := min(need, len(b))
			c.head = append(c.head, b[:take]...)
			b = b[take:]
			if len(c.head) < 4 {
				return
			}
			c.left = int(c.head[0]) | int(c.head[1])<<8 | int(c.head[2])<<16
			seq := c.head[3]
			c.head = c.head[:0]
			c.first, c.keep, c.cur = seq == 0, false, nil
			continue // the payload, if any, in what is left of b
		}
		take := min(c.left, len(b))
		if c.first {
			c.keep = b[0] == mysql.ComBinlogDumpGTID && c.left <= maxDumpRequest
			c.first = false
		}
		if c.keep {
			c.cur = append(c.cur, b[:take]...)
		}
		c.left -= take
		b = b[take:]
		if c.left == 0 && c.keep {
			c.dump, c.cur, c.keep = c.cur, nil, false
		}
	}
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
	if set != nil || c.TLSEnabled() {
		return set
	}
	if v, ok := s.dumpConns.Load(c.RemoteAddr().String()); ok {
		if s, ok := v.(*dumpConn).gtidSet(); ok {
			return s
		}
	}
	return set
}
