package mariadbtest

import (
	"os"
	"strings"
	"testing"
)

func TestStartCreateInsertSelect(t *testing.T) {
	s := Start(t)
	if !strings.HasPrefix(s.Addr(), "127.0.0.1:") {
		t.Fatalf("Addr() = %q, want 127.0.0.1:port", s.Addr())
	}
	if _, err := os.Stat(s.Socket()); err != nil {
		t.Fatalf("socket: %v", err)
	}
	db, err := s.Open("shop")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		"CREATE TABLE charges (id VARCHAR(255) PRIMARY KEY, amount BIGINT NOT NULL, created DATETIME NOT NULL, KEY (created))",
		"INSERT INTO charges VALUES ('ch_1', 100, '2024-06-01 10:00:00'), ('ch_2', 250, '2024-06-02 11:00:00'), ('ch_3', 50, '2024-07-01 00:00:00')",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var n, sum int
	var month string
	err = db.QueryRow("SELECT COUNT(*), SUM(amount), DATE_FORMAT(MIN(created), '%Y-%m') FROM charges WHERE created < '2024-07-01'").Scan(&n, &sum, &month)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || sum != 350 || month != "2024-06" {
		t.Fatalf("got count %d, sum %d, month %q; want 2, 350, 2024-06", n, sum, month)
	}
	var tz string
	if err := db.QueryRow("SELECT @@time_zone").Scan(&tz); err != nil || tz != "+00:00" {
		t.Fatalf("time zone %q (%v), want +00:00", tz, err)
	}

	// Stop is idempotent and removes the directory it created.
	dir := s.Dir()
	s.Stop()
	s.Stop()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("after Stop, %s: %v (want removed)", dir, err)
	}
}

func TestStartProcessOnGivenDir(t *testing.T) {
	if _, _, err := Binaries(); err != nil {
		Start(t) // skips, or fails in CI
	}
	dir := t.TempDir() + "/a-directory-name-long-enough-that-the-socket-path-would-not-fit-in-sun-path-otherwise"
	s, err := StartProcess(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	if strings.HasPrefix(s.Socket(), dir) {
		t.Fatalf("socket %s under the long directory", s.Socket())
	}
	db, err := s.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v string
	if err := db.QueryRow("SELECT VERSION()").Scan(&v); err != nil || !strings.Contains(v, "MariaDB") {
		t.Fatalf("VERSION() = %q, %v", v, err)
	}
	s.Stop()
	if _, err := os.Stat(dir + "/data"); err != nil {
		t.Fatalf("Stop removed a directory it did not create: %v", err)
	}
}
