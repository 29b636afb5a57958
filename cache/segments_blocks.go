package cache

import (
	"container/list"
	"fmt"
)

// Sized is what a value tells of the memory it holds (its own
// bookkeeping included); a value that does not say is charged nothing.
type Sized interface{ Size() int64 }

func sizeOf(v any) int64 {
	if z, ok := v.(Sized); ok {
		return z.Size()
	}
	return 0
}

// durable reports whether the block's bytes are in the KV, so that its
// value may leave memory and be read back.
func (b *Block) durable() bool { return b.id != 0 }

// Load returns a block's value: from memory (it becomes the most recently
// used), else read back from the KV and held in memory. A block dropped
// meanwhile, or one the KV cannot vouch for, is ErrBlockGone; an unreadable
// block is cut from its segment (see cutLocked), so that covering the
// interval again finds a gap there, read from the source.
func (s *Segments) Load(b *Block) (any, error) {
	s.mu.Lock()
	for b.loading != nil { // another goroutine reads it: wait for that read
		ch := b.loading
		s.mu.Unlock()
		<-ch
		s.mu.Lock()
	}
	if b.val != nil {
		if b.elem != nil { // else a claim's block held only by the claim
			s.resizeLocked(b) // the value may have grown since (columns decoded)
			s.memLRU.MoveToFront(b.elem)
		}
		v := b.val
		ops := s.evictLocked(nil)
		s.writeLocked(ops)
		s.mu.Unlock()
		return v, nil
	}
	if b.gone || !b.durable() {
		s.mu.Unlock()
		return nil, ErrBlockGone
	}
	ch := make(chan struct{})
	b.loading = ch
	id, stream := b.id, b.stream
	s.mu.Unlock()

	v, err := s.read(stream, id)

	s.mu.Lock()
	defer s.mu.Unlock()
	b.loading = nil
	close(ch)
	if err != nil {
		s.stats.Corrupt++
		s.log.Warn("cache: a block on disk could not be read; it is dropped and will be read from Stripe again", "error", err.Error())
		if !b.gone {
			ops := s.cutLocked(b, nil)
			s.writeLocked(ops)
		}
		return nil, ErrBlockGone
	}
	if b.gone {
		return nil, ErrBlockGone
	}
	s.stats.Loads++
	b.val = v
	s.residentLocked(b)
	ops := s.evictLocked(nil)
	s.writeLocked(ops)
	return v, nil
}

// read decodes block id of stream from the KV: its bytes and its deltas.
func (s *Segments) read(stream string, id uint64) (any, error) {
	data, ok, err := s.kv.Get(blockKey(id))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("block %016x is missing", id)
	}
	var deltas [][]byte
	err = s.kv.Scan(deltaPrefix(id), func(_, val []byte, err error) error {
		if err != nil {
			return err
		}
		deltas = append(deltas, val)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.codec.Decode(stream, data, deltas)
}

// residentLocked puts a block whose value is set into memory, most
// recently used.
func (s *Segments) residentLocked(b *Block) {
	if b.elem != nil {
		s.memLRU.MoveToFront(b.elem)
		s.resizeLocked(b)
		return
	}
	b.size = sizeOf(b.val)
	s.bytes += b.size
	b.elem = s.memLRU.PushFront(b)
}

// resizeLocked charges a block in memory what its value holds now.
func (s *Segments) resizeLocked(b *Block) {
	if b.elem == nil {
		return
	}
	n := sizeOf(b.val)
	s.bytes += n - b.size
	b.size = n
}

// evictLocked brings memory within MaxBytes, least recently used blocks
// first: a durable block only leaves memory, any other leaves its
// segment (which is cut around it). Then, with a KV, the blocks on disk
// within DiskBytes: the least recently used segment gives up its oldest
// block. Pinned blocks stay (and a block being read back).
func (s *Segments) evictLocked(ops []Op) []Op {
	for e := s.memLRU.Back(); s.bytes > s.maxBytes && e != nil; {
		b := e.Value.(*Block)
		e = e.Prev()
		if b.pins > 0 || b.loading != nil {
			continue
		}
		s.stats.Evictions++
		if b.durable() {
			s.forgetLocked(b)
			continue
		}
		if b.seg != nil {
			ops = s.cutLocked(b, ops)
		} else {
			ops = s.dropBlockLocked(b, ops) // a claim's: the claim stores what is left
		}
	}
	for s.kv != nil && s.diskMax > 0 && s.disk > s.diskMax {
		e := s.segLRU.Back()
		if e == nil {
			break
		}
		g := e.Value.(*Segment)
		s.stats.Evictions++
		ops = s.cutLocked(g.blocks[len(g.blocks)-1], ops)
	}
	return ops
}

// forgetLocked takes a durable block's value out of memory.
func (s *Segments) forgetLocked(b *Block) {
	if b.elem != nil {
		s.memLRU.Remove(b.elem)
		b.elem = nil
		s.bytes -= b.size
		b.size = 0
	}
	b.val = nil
}

// dropBlockLocked drops a block: out of memory, and its bytes and deltas
// out of the KV. The caller takes it out of its segment or claim.
func (s *Segments) dropBlockLocked(b *Block, ops []Op) []Op {
	if b.gone {
		return ops
	}
	b.gone = true
	s.forgetLocked(b)
	if b.durable() {
		ops = append(ops, Op{Key: blockKey(b.id), Delete: true}, Op{Key: deltaPrefix(b.id), Delete: true, Prefix: true},
			Op{Key: pendingKey(b.id), Delete: true})
		s.disk -= b.disk
		b.disk = 0
	}
	return ops
}

// cutLocked drops block b from its segment, which keeps what is above b
// and what is below it as up to two segments, each still read whole.
func (s *Segments) cutLocked(b *Block, ops []Op) []Op {
	g := b.seg
	if g == nil || b.gone {
		return s.dropBlockLocked(b, ops)
	}
	k := -1
	for i, x := range g.blocks {
		if x == b {
			k = i
			break
		}
	}
	ops = s.dropBlockLocked(b, ops)
	if k < 0 {
		return ops
	}
	upper, lower := g.blocks[:k], g.blocks[k+1:]
	// The parts keep the segment's place in the recency list: before the
	// element that followed it.
	var next *list.Element
	if g.elem != nil {
		next = g.elem.Next()
	}
	s.unlinkLocked(g)
	if s.kv != nil {
		ops = append(ops, Op{Key: s.recordKey(g.Stream, g.Lo), Delete: true})
	}
	g.blocks = nil
	for _, part := range []struct {
		lo, hi int64
		blocks []*Block
	}{{b.Hi, g.Hi, upper}, {g.Lo, b.Lo, lower}} {
		if len(part.blocks) == 0 || part.lo >= part.hi {
			for _, x := range part.blocks {
				ops = s.dropBlockLocked(x, ops)
			}
			continue
		}
		ng := &Segment{Stream: g.Stream, Lo: part.lo, Hi: part.hi, Since: g.Since, Final: g.Final, blocks: append([]*Block(nil), part.blocks...)}
		for _, x := range ng.blocks {
			x.seg = ng
		}
		s.insertLocked(ng)
		if next != nil {
			s.segLRU.MoveBefore(ng.elem, next)
		} else {
			s.segLRU.MoveToBack(ng.elem)
		}
		ops = s.recordLocked(ng, ops)
	}
	return ops
}

// Hint returns what the caller noted about a block's value (SetHint), nil
// when nothing or the value changed since: a summary it may consult
// instead of reading the value (the ids a block may hold). It stays in
// memory, whether the value does or not; it is not kept in the KV.
func (s *Segments) Hint(b *Block) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return b.hint
}

// Version counts the changes made to a block's value: take it before
// Load, to note a hint about the value loaded (SetHint).
func (s *Segments) Version(b *Block) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return b.version
}

// SetHint notes h about the block's value as of version (Version before
// the Load it was made from), unless the value changed since; a change
// drops it.
func (s *Segments) SetHint(b *Block, version uint64, h any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b.version == version && !b.gone {
		b.hint = h
	}
}
