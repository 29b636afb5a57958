package cache

import (
	"context"
	"time"
)

// claim is one interval being read; done is closed when the read ends.
type claim struct {
	owner      uint64
	lo, hi     int64
	done       chan struct{}
	superseded bool
	// blocks are those the read made so far (Claim.Add); changes are those
	// applied to the stream meanwhile (Apply) that they may predate, made
	// to them when the read ends.
	blocks  []*Block
	changes []Change
	// held is the memory of blocks held only here (not durable).
	held int64
}

// Claim is a reader's hold on an interval it is about to read, so that
// concurrent readers of the same data wait for one read instead of all
// asking the source.
type Claim struct {
	s      *Segments
	stream string
	c      *claim
}

// Claim returns a claim on [lo, hi) of stream, or, when another reader is
// reading an overlapping interval, waits for that read to end and returns
// nil (the caller then covers its interval again). It returns ctx's error
// if ctx ends while waiting. Claims of the same owner (not 0) do not wait
// for one another: an owner waiting for itself would never go on.
func (s *Segments) Claim(ctx context.Context, stream string, owner uint64, lo, hi int64) (*Claim, error) {
	s.mu.Lock()
	for _, c := range s.reading[stream] {
		if c.lo < hi && lo < c.hi && (owner == 0 || c.owner != owner) {
			s.stats.Waiting++
			s.mu.Unlock()
			defer func() {
				s.mu.Lock()
				s.stats.Waiting--
				s.mu.Unlock()
			}()
			select {
			case <-c.done:
				return nil, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
	defer s.mu.Unlock()
	return s.claimLocked(stream, owner, lo, hi), nil
}

// ClaimNow returns a claim on [lo, hi) of stream without waiting for
// other readers of it: for a reader that waited once already, and must
// not wait again for each new read of an interval that keeps expiring
// (a TTL shorter than the read) or being dropped.
func (s *Segments) ClaimNow(stream string, owner uint64, lo, hi int64) *Claim {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.claimLocked(stream, owner, lo, hi)
}

func (s *Segments) claimLocked(stream string, owner uint64, lo, hi int64) *Claim {
	c := &claim{owner: owner, lo: lo, hi: hi, done: make(chan struct{})}
	s.reading[stream] = append(s.reading[stream], c)
	s.stats.Gaps++
	return &Claim{s: s, stream: stream, c: c}
}

// Add keeps a block the read made, [Lo, Hi) within the claimed interval:
// with a KV it is written there at once (a long read does not hold its
// data in memory; until Finish nobody else sees it), else it is held
// here, within MaxBytes (beyond, the oldest blocks are given up: what
// Finish stores is what tiles the interval from its top).
func (cl *Claim) Add(nb NewBlock) {
	s := cl.s
	blocks := s.prepare(cl.stream, []NewBlock{nb})
	s.mu.Lock()
	defer s.mu.Unlock()
	var ops []Op
	for _, b := range blocks {
		if cl.c.superseded {
			ops = s.dropBlockLocked(b, ops)
			continue
		}
		cl.c.blocks = append(cl.c.blocks, b)
		if b.durable() {
			s.residentLocked(b)
			continue
		}
		b.size = sizeOf(b.val)
		cl.c.held += b.size
	}
	for cl.c.held > s.maxBytes {
		i := oldestHeld(cl.c.blocks)
		if i < 0 {
			break
		}
		b := cl.c.blocks[i]
		cl.c.held -= b.size
		cl.c.blocks = append(cl.c.blocks[:i], cl.c.blocks[i+1:]...)
		ops = s.dropBlockLocked(b, ops)
	}
	ops = s.evictLocked(ops)
	s.writeLocked(ops)
}

// prepare makes blocks of stream from nbs; with a KV each is written
// there first (marked pending until its segment's record is written), so
// that it may leave memory. A block that cannot be encoded or written is
// held in memory only.
func (s *Segments) prepare(stream string, nbs []NewBlock) []*Block {
	out := make([]*Block, 0, len(nbs))
	var ops []Op
	for _, nb := range nbs {
		b := &Block{Lo: nb.Lo, Hi: nb.Hi, stream: stream, items: nb.Items, val: nb.Value}
		out = append(out, b)
		if s.kv == nil || s.broken() {
			continue
		}
		data, err := s.codec.Encode(nb.Value)
		if err != nil {
			s.log.Debug("cache: a block cannot be written to disk; it is held in memory only", "error", err.Error())
			continue
		}
		b.id = newBlockID()
		b.disk = int64(len(data))
		ops = append(ops, Op{Key: pendingKey(b.id)}, Op{Key: blockKey(b.id), Val: data})
	}
	if len(ops) == 0 {
		return out
	}
	// Written outside the lock: until a record names them these blocks
	// are nobody's (a crash leaves them pending, dropped at the next open).
	if err := s.kv.Write(ops, false); err != nil {
		s.mu.Lock()
		s.failLocked(err)
		s.mu.Unlock()
		for _, b := range out {
			b.id, b.disk = 0, 0
		}
		return out
	}
	s.mu.Lock()
	for _, b := range out {
		s.disk += b.disk
	}
	s.mu.Unlock()
	return out
}

// Put stores the segment [lo, hi) (within the claimed interval) made of
// blocks while the claim goes on, unless a change superseded the claim;
// it reports whether it stored it. A claim filled from elsewhere (another
// process's read) stores what it found this way, then finishes with
// nothing.
func (cl *Claim) Put(lo, hi int64, since time.Time, nbs []NewBlock) bool {
	s := cl.s
	blocks := s.prepare(cl.stream, nbs)
	s.mu.Lock()
	defer s.mu.Unlock()
	lo, hi = max(lo, cl.c.lo), min(hi, cl.c.hi)
	var ops []Op
	stored := false
	if cl.c.superseded || lo >= hi {
		for _, b := range blocks {
			ops = s.dropBlockLocked(b, ops)
		}
	} else {
		stored, ops = s.putLocked(cl.stream, lo, hi, since, blocks, notFinal, ops)
	}
	s.writeLocked(ops)
	return stored
}

// Finish ends the claim, storing the segment [lo, hi) (within the claimed
// interval) made of the blocks Add kept that tile it from hi down, with
// the changes applied meanwhile made to them; it reports whether it
// stored anything. Nothing is stored when a removal superseded the claim.
// The segment is stored before the claim ends, under one lock: no change
// or reader sees the interval neither held nor being read.
func (cl *Claim) Finish(lo, hi int64, since time.Time) bool {
	return cl.FinishFinal(lo, hi, since, notFinal)
}

// FinishFinal is Finish of a read whose data below finalBelow no longer
// changes (the caller knows it of what it read): the blocks wholly below
// it are stored as a final segment, which never expires; only the rest
// is read again once the TTL has passed.
func (cl *Claim) FinishFinal(lo, hi int64, since time.Time, finalBelow int64) bool {
	s := cl.s
	c := cl.c
	// The blocks the changes touch are brought into memory first.
	s.mu.Lock()
	pinned := s.pinLocked(touchedBy(c.blocks, c.changes))
	s.mu.Unlock()
	for _, b := range pinned {
		_, _ = s.Load(b)
	}

	s.mu.Lock()
	var ops []Op
	for _, ch := range c.changes {
		for _, b := range c.blocks {
			if !b.gone && touchesRange(b, ch.At, ch.end(), lowestOf(c.blocks) == b) {
				ops = s.changeLocked(b, ch, ops, nil)
			}
		}
	}
	s.unpinLocked(pinned)
	lo, hi = max(lo, c.lo), min(hi, c.hi)
	stored := false
	if c.superseded || lo >= hi {
		for _, b := range c.blocks {
			ops = s.dropBlockLocked(b, ops)
		}
	} else {
		stored, ops = s.putLocked(cl.stream, lo, hi, since, c.blocks, finalBelow, ops)
	}
	c.blocks, c.changes = nil, nil
	removeFrom(s.reading, cl.stream, c)
	s.writeLocked(ops)
	s.mu.Unlock()
	close(c.done)
	return stored
}

// lowestOf is the block with the lowest interval (it may hold a tail).
func lowestOf(blocks []*Block) *Block {
	var low *Block
	for _, b := range blocks {
		if !b.gone && (low == nil || b.Lo < low.Lo) {
			low = b
		}
	}
	return low
}

// oldestHeld is the index of the block held only in memory with the
// lowest interval, -1 when there is none.
func oldestHeld(blocks []*Block) int {
	at := -1
	for i, b := range blocks {
		if !b.durable() && (at < 0 || b.Lo < blocks[at].Lo) {
			at = i
		}
	}
	return at
}

// touchedBy are the blocks of a claim that patches among changes touch.
func touchedBy(blocks []*Block, changes []Change) []*Block {
	var out []*Block
	low := lowestOf(blocks)
	for _, b := range blocks {
		for _, ch := range changes {
			if ch.Patch != nil && touchesRange(b, ch.At, ch.end(), b == low) {
				out = append(out, b)
				break
			}
		}
	}
	return out
}
