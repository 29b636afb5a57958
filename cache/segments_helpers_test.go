package cache

import (
	"fmt"
	"strings"
	"time"
)

// tv is a test value: a name and the memory it says it holds.
type tv struct {
	name string
	size int64
}

func (v tv) Size() int64 { return v.size }

func (v tv) String() string { return v.name }

// blockNames renders a segment's blocks, newest first, as "A" for one
// block and "A+B" for several.
func blockNames(blocks []*Block) string {
	var names []string
	for _, b := range blocks {
		switch v := b.val.(type) {
		case tv:
			names = append(names, v.name)
		case nil:
			names = append(names, "(disk)")
		default:
			names = append(names, "?")
		}
	}
	return strings.Join(names, "+")
}

// put stores a segment of one block holding a tv.
func put(s *Segments, stream string, lo, hi int64, since time.Time, name string, size int64, items int) bool {
	return s.Put(stream, lo, hi, since, []NewBlock{{Lo: lo, Hi: hi, Value: tv{name, size}, Items: items}})
}

// finish ends a claim as a read of one block holding v (a name; nil for
// a read that kept nothing) would: the block is [lo, hi) within the
// claimed interval.
func finish(cl *Claim, lo, hi int64, since time.Time, v any, size int64, items int) bool {
	clo, chi := max(lo, cl.c.lo), min(hi, cl.c.hi)
	if v != nil && clo < chi {
		cl.Add(NewBlock{Lo: clo, Hi: chi, Value: tv{fmt.Sprint(v), size}, Items: items})
	}
	return cl.Finish(lo, hi, since)
}

// claimPut stores a segment of one block holding name through a claim,
// the block clipped to the claimed interval.
func claimPut(cl *Claim, lo, hi int64, since time.Time, name string, size int64, items int) bool {
	clo, chi := max(lo, cl.c.lo), min(hi, cl.c.hi)
	return cl.Put(lo, hi, since, []NewBlock{{Lo: clo, Hi: chi, Value: tv{name, size}, Items: items}})
}
