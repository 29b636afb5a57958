package disk

import (
	"bytes"
	"errors"
	"testing"
)

func mustSealer(t *testing.T, secret, bind string) *sealer {
	t.Helper()
	s, err := newSealer([]byte(secret), bind)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSealRoundTrip: a sealed value opens to itself under its key, is
// nonce||ciphertext||tag long, and two seals of one value differ (random
// nonces).
func TestSealRoundTrip(t *testing.T) {
	s := mustSealer(t, testSecret, "acct_1")
	key := storedKey([]byte("k"))
	for _, tc := range []struct {
		name string
		val  []byte
	}{
		{"empty", nil},
		{"short", []byte("ann@example.com")},
		{"block", bytes.Repeat([]byte("row,"), 1<<18)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sealed := s.seal(nil, key, tc.val)
			if len(sealed) != len(tc.val)+sealOverhead {
				t.Fatalf("sealed %d bytes into %d, want %d", len(tc.val), len(sealed), len(tc.val)+sealOverhead)
			}
			if len(tc.val) > 0 && bytes.Contains(sealed, tc.val) {
				t.Fatal("plaintext in the sealed value")
			}
			got, err := s.open(key, sealed)
			if err != nil || !bytes.Equal(got, tc.val) {
				t.Fatalf("open = %q, %v", got, err)
			}
			if bytes.Equal(s.seal(nil, key, tc.val), sealed) {
				t.Fatal("two seals of one value are equal: nonce reused")
			}
		})
	}
}

// TestSealRefuses: a sealed value does not open under another stored
// key, another Secret or Bind, nor once a byte of it changes.
func TestSealRefuses(t *testing.T) {
	s := mustSealer(t, testSecret, "acct_1")
	key := storedKey([]byte("k"))
	sealed := s.seal(nil, key, []byte("value"))
	flipped := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 1
		return b
	}
	for _, tc := range []struct {
		name   string
		opener *sealer
		key    []byte
		sealed []byte
	}{
		{"other key", s, storedKey([]byte("k2")), sealed},
		{"other secret", mustSealer(t, testSecret+"x", "acct_1"), key, sealed},
		{"other bind", mustSealer(t, testSecret, "acct_2"), key, sealed},
		{"no bind", mustSealer(t, testSecret, ""), key, sealed},
		{"nonce flipped", s, key, flipped(0)},
		{"ciphertext flipped", s, key, flipped(14)},
		{"tag flipped", s, key, flipped(len(sealed) - 1)},
		{"truncated", s, key, sealed[:sealOverhead-1]},
		{"empty", s, key, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.opener.open(tc.key, tc.sealed)
			if !errors.Is(err, errSealBroken) || got != nil {
				t.Fatalf("open = %q, %v; want errSealBroken", got, err)
			}
		})
	}
}

// TestHash: 16 bytes, equal for equal inputs under one Secret and Bind,
// different under another, and not the plain SHA of the input.
func TestHash(t *testing.T) {
	s := mustSealer(t, testSecret, "acct_1")
	h := s.hash([]byte("ann@example.com"))
	if len(h) != hashLen {
		t.Fatalf("hash is %d bytes", len(h))
	}
	if !bytes.Equal(h, s.hash([]byte("ann@example.com"))) {
		t.Fatal("hash of one input differs")
	}
	for _, tc := range []struct {
		name string
		s    *sealer
		in   string
	}{
		{"other input", s, "bob@example.com"},
		{"other secret", mustSealer(t, testSecret+"x", "acct_1"), "ann@example.com"},
		{"other bind", mustSealer(t, testSecret, "acct_2"), "ann@example.com"},
	} {
		if bytes.Equal(tc.s.hash([]byte(tc.in)), h) {
			t.Errorf("%s: same hash", tc.name)
		}
	}
}

func TestNoSecretRefused(t *testing.T) {
	if _, err := newSealer(nil, "acct_1"); err == nil {
		t.Fatal("a sealer without a secret")
	}
}

func TestPrefixEnd(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"a", "b"},
		{"a\xff", "b"},
		{"\xff\xff", ""},
		{"\x01\xff\xff", "\x02"},
		{"ab\x00", "ab\x01"},
	} {
		got := prefixEnd([]byte(tc.in))
		if string(got) != tc.want || (tc.want == "" && got != nil) {
			t.Errorf("prefixEnd(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
