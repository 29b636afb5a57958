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

// packet frames payload as a MySQL packet numbered seq.
func packet(payload []byte, seq byte) []byte {
	return append([]byte{byte(len(payload)), byte(len(payload) >> 8), byte(len(payload) >> 16), seq}, payload...)
}

// sslRequest is a client's first packet asking for TLS (flags protocol
// 4.1 and CLIENT_SSL, max packet size, charset, 23 reserved bytes).
func sslRequest(flags uint32) []byte {
	p := binary.LittleEndian.AppendUint32(nil, flags)
	p = binary.LittleEndian.AppendUint32(p, 1<<24)
	p = append(p, 45)
	return packet(append(p, make([]byte, 23)...), 1)
}

// The set of a dump request is read back however the bytes arrive. A
// first packet asking for TLS stops the reading of the raw bytes (TLS
// follows), and reports it so that the tap takes over; one that does not
// leaves it going.
func TestDumpConnReadsTheSet(t *testing.T) {
	const set = "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7"
	stream := dumpRequest(t, set)
	tlsHello := []byte{0x16, 0x03, 0x01, 0x00, 0x20} // what follows an SSLRequest
	for _, tc := range []struct {
		name      string
		first     []byte // the client's first packet, before stream
		chunk     int
		startsTLS bool
		want      string
	}{
		{"whole", nil, len(stream), false, set},
		{"byte by byte", nil, 1, false, set},
		{"in sevens", nil, 7, false, set},
		{"after a handshake response", sslRequest(0x200), 7, false, set},
		{"after an SSLRequest", sslRequest(0x200 | 0x800), len(stream), true, ""},
		{"after an SSLRequest, byte by byte", sslRequest(0x200 | 0x800), 1, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &dumpConn{conns: &sync.Map{}}
			// vitess reads the first packet by itself, header then payload.
			started := false
			if tc.first != nil {
				started = c.follow(tc.first[:4])
				started = c.follow(tc.first[4:]) || started
			}
			if started != tc.startsTLS {
				t.Fatalf("TLS starts: %v, want %v", started, tc.startsTLS)
			}
			in := stream
			if tc.startsTLS {
				in = append(append([]byte{}, tlsHello...), stream...)
			}
			for i := 0; i < len(in); i += tc.chunk {
				if c.follow(in[i:min(i+tc.chunk, len(in))]) {
					t.Fatal("a later packet started TLS")
				}
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
