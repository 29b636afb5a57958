package engine

import (
	"encoding/binary"
	"net"
	"sync"
	"testing"

	"github.com/dolthub/vitess/go/mysql"
)

// dumpRequest is a COM_BINLOG_DUMP_GTID packet as go-mysql sends it
// (flags 0) for set, after a query packet.
func dumpRequest(t *testing.T, set string) []byte {
	t.Helper()
	gs, err := mysql.ParseMysql56GTIDSet(set)
	if err != nil {
		t.Fatal(err)
	}
	data := gs.(mysql.Mysql56GTIDSet).SIDBlock()
	payload := []byte{mysql.ComBinlogDumpGTID, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0}
	payload = binary.LittleEndian.AppendUint64(payload, 4)
	payload = binary.LittleEndian.AppendUint32(payload, uint32(len(data)))
	payload = append(payload, data...)
	query := []byte{3, 'S', 'E', 'L', 'E', 'C', 'T', ' ', '1'}
	var b []byte
	for _, p := range [][]byte{query, payload} {
		b = append(b, byte(len(p)), byte(len(p)>>8), byte(len(p)>>16), 0)
		b = append(b, p...)
	}
	return b
}

// The set of a dump request is read back however the bytes arrive; a
// TLS connection's bytes are not read as packets.
func TestDumpConnReadsTheSet(t *testing.T) {
	const set = "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7"
	stream := dumpRequest(t, set)
	for _, tc := range []struct {
		name  string
		chunk int
		tls   bool
		want  string
	}{
		{"whole", len(stream), false, set},
		{"byte by byte", 1, false, set},
		{"in sevens", 7, false, set},
		{"TLS", len(stream), true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &dumpConn{conns: &sync.Map{}}
			in := stream
			if tc.tls {
				in = append([]byte{0x16, 0x03, 0x01, 0x00, 0x20}, stream...)
			}
			for i := 0; i < len(in); i += tc.chunk {
				c.follow(in[i:min(i+tc.chunk, len(in))])
			}
			got, ok := c.gtidSet()
			if tc.want == "" {
				if ok {
					t.Fatalf("read %v from a TLS stream", got)
				}
				return
			}
			if !ok || got.String() != tc.want {
				t.Fatalf("read %v, %v; want %s", got, ok, tc.want)
			}
		})
	}
}

// The disconnect watcher finds the TCP connection under the dump request
// reader (it found none, and stopped watching, before).
func TestTCPConnUnderDumpConn(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := tcpConn(&dumpConn{Conn: c, conns: &sync.Map{}}); got != c {
		t.Fatalf("tcpConn = %v, want the TCP connection", got)
	}
}
