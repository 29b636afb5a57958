package engine

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"strings"
)

// ParseUser parses "name:password" (the password may itself hold colons).
func ParseUser(s string) (User, error) {
	name, pw, ok := strings.Cut(s, ":")
	if !ok {
		return User{}, fmt.Errorf("want name:password, got no colon")
	}
	u := User{Name: name, Password: pw}
	return u, u.check()
}

// ReadUsersFile reads one name:password a line; blank lines and lines
// starting with # are skipped. Errors name the line, never the password.
func ReadUsersFile(path string) ([]User, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var users []User
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		u, err := ParseUser(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		users = append(users, u)
	}
	return users, sc.Err()
}

// CheckListen refuses, before anything is bound, to serve a host:port
// that is not loopback-only without accounts: anyone who reaches the port
// could read the Stripe account. A host name counts as loopback when all
// its addresses are.
func CheckListen(listen string, users []User) error {
	if len(users) > 0 {
		return nil
	}
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("listen address %q: %v", listen, err)
	}
	ips := []net.IP{net.ParseIP(host)}
	if ips[0] == nil && host != "" {
		if ips, err = net.LookupIP(host); err != nil {
			return fmt.Errorf("listen address %q: %v", listen, err)
		}
	}
	for _, ip := range ips {
		if ip == nil || !ip.IsLoopback() {
			return exposed(listen)
		}
	}
	return nil
}

// checkExposure is CheckListen for a bound listener. listen is the
// address as configured, for the message ("" when the caller bound it).
func checkExposure(listen string, addr net.Addr, users []User) error {
	if len(users) > 0 {
		return nil
	}
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || tcp.IP.IsLoopback() {
		return nil
	}
	if listen == "" {
		listen = addr.String()
	}
	return exposed(listen)
}

func exposed(listen string) error {
	return fmt.Errorf("refusing to listen on %s without a MySQL password: anyone who can reach it could read the Stripe account; "+
		"add an account with --user name:password or --users-file, or listen on 127.0.0.1", listen)
}
