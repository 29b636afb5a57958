package sqltable

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// What a gap read packs for the other replicas unpacks to the same
// objects, in order, across chunks; past its limit it packs nothing.
func TestPackUnpack(t *testing.T) {
	obj := func(i, pad int) json.RawMessage {
		return json.RawMessage(fmt.Sprintf(`{"id":"ch_%d","created":%d,"pad":%q}`, i, 1700000000-i, strings.Repeat("x", pad)))
	}
	cases := []struct {
		name        string
		n, pad      int
		limit       int64
		chunks      int // at least
		wantPacked  bool
		wantObjects int
	}{
		{name: "nothing", limit: 1 << 20, wantPacked: true},
		{name: "a few objects", n: 3, pad: 10, limit: 1 << 20, chunks: 1, wantPacked: true, wantObjects: 3},
		{name: "more than a chunk", n: 3000, pad: 1000, limit: 1 << 30, chunks: 2, wantPacked: true, wantObjects: 3000},
		{name: "past the limit", n: 3000, pad: 1000, limit: 100},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := &packer{limit: c.limit}
			for i := 0; i < c.n; i++ {
				p.add(obj(i, c.pad))
			}
			chunks, ok := p.done()
			if ok != c.wantPacked {
				t.Fatalf("packed: %v, want %v", ok, c.wantPacked)
			}
			if len(chunks) < c.chunks {
				t.Errorf("%d chunks, want %d or more", len(chunks), c.chunks)
			}
			i := 0
			err := unpack(chunks, func(o json.RawMessage) error {
				if string(o) != string(obj(i, c.pad)) {
					return fmt.Errorf("object %d: %.40s", i, o)
				}
				i++
				return nil
			})
			if err != nil || i != c.wantObjects {
				t.Errorf("unpacked %d objects (%v), want %d", i, err, c.wantObjects)
			}
		})
	}
	if err := unpack([][]byte{shareEncoder.EncodeAll([]byte{0xff, 0x01}, nil)}, func(json.RawMessage) error { return nil }); err == nil {
		t.Error("a chunk cut short unpacked")
	}
}
