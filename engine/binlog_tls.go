package engine

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net"
	"time"
)

// tlsTap ends a client's TLS beneath vitess, so that the packets the
// client sends can be read in clear (the GTID set of a dump request,
// binlog_dump.go). vitess upgrades a connection to TLS itself
// (tls.Server over the connection the listener gave it, read through a
// buffer of its own) and offers no hook above TLS; so the connection the
// listener gives vitess runs the client's TLS with the server's
// certificate, and gives vitess TLS of its own over an in-process pipe,
// with an in-process certificate only the tap trusts. The client sees
// the server's certificate and configuration; vitess still sees a TLS
// connection (TLSEnabled, --require-tls). The cost is a second
// encryption in memory per TLS connection.
type tlsTap struct {
	client *tls.Config // the server's configuration, which clients see
	inner  *tls.Config // the tap's, as vitess's client
}

// tapServerName names the in-process certificate.
const tapServerName = "stripesql-tls-tap"

// newTLSTap makes the tap for the server's TLS configuration, and the
// configuration vitess is to use.
func newTLSTap(server *tls.Config) (*tlsTap, *tls.Config, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("TLS: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: tapServerName},
		DNSNames:              []string{tapServerName},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(100 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("TLS: %v", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("TLS: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	vitess := &tls.Config{
		Certificates:           []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}},
		MinVersion:             tls.VersionTLS13,
		SessionTicketsDisabled: true,
	}
	inner := &tls.Config{RootCAs: pool, ServerName: tapServerName, MinVersion: tls.VersionTLS13}
	return &tlsTap{client: server, inner: inner}, vitess, nil
}

// tapped is a connection whose TLS the tap ends.
type tapped struct {
	vitess net.Conn // vitess's end of the pipe
	mine   net.Conn // the tap's end, under inner
	outer  *tls.Conn
	inner  *tls.Conn
}

// start ends c's TLS from now on: the client's next bytes are its TLS
// handshake.
func (t *tlsTap) start(c *dumpConn) *tapped {
	a, b := net.Pipe()
	u := &tapped{vitess: a, mine: b, outer: tls.Server(c.Conn, t.client), inner: tls.Client(b, t.inner)}
	c.mu.Lock()
	c.stopped = false // the packets go on in clear, above the TLS ended here
	c.mu.Unlock()
	go u.pump(u.inner, u.outer, c.follow)
	go u.pump(u.outer, u.inner, nil)
	return u
}

// pump copies what src decrypts to dst (which encrypts it again), each
// chunk seen by follow first, until either side fails; then the tap's end
// of the pipe is closed (vitess reads or writes an error and closes the
// connection) and, when vitess's side failed, the client's connection.
func (u *tapped) pump(dst, src io.ReadWriter, follow func([]byte) bool) {
	buf := make([]byte, 16<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if follow != nil {
				follow(buf[:n])
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	u.mine.Close()
	if follow == nil {
		u.outer.NetConn().Close()
	}
}

// close ends the pipe (the client's connection is the dumpConn's to
// close).
func (u *tapped) close() {
	u.vitess.Close()
	u.mine.Close()
}
