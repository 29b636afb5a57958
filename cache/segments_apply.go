package cache

import "errors"

// Change is a change to the data of one key of a stream (an object
// created, changed or deleted at the source), made to the block that
// holds the key, and not to the others: it costs what it changes, not
// what is held.
type Change struct {
	Stream string
	At     int64
	// Patch returns the block's value with the change made, and the number
	// of items it then holds within [lo, hi). Nil cuts the block from its
	// segment instead (the stream cannot take the change: that part is
	// read again) and stops reads in progress over At from storing.
	Patch func(v any, lo, hi int64) (any, int)
	// Delta is the change as bytes, written after the block's own in the
	// KV (BlockCodec.Decode applies them when the block is read back).
	Delta []byte
	// Span, for a cut, is how many keys from At on it covers (0 or 1: At
	// alone).
	Span int64
	// Rehint, when set, makes a patched block's hint (SetHint) into the
	// hint of its new value; without it the hint goes.
	Rehint func(hint any) any
}

// end is the first key above what a change covers.
func (ch Change) end() int64 {
	if ch.Patch == nil && ch.Span > 1 {
		return ch.At + ch.Span
	}
	return ch.At + 1
}

// touchedLocked are the held blocks of stream a change of the keys
// [at, end) touches.
func (s *Segments) touchedLocked(stream string, at, end int64) []*Block {
	var out []*Block
	for _, g := range s.streams[stream] {
		if g.Lo-1 >= end || at >= g.Hi {
			continue
		}
		for i, b := range g.blocks {
			if touchesRange(b, at, end, i == len(g.blocks)-1) {
				out = append(out, b)
			}
		}
	}
	return out
}

// touchesRange reports whether a change of the keys [at, end) is the
// block's: within its interval, or just below it when it is its
// segment's lowest block (a segment may keep values of the key below its
// interval, as a tail its reader knows about).
func touchesRange(b *Block, at, end int64, lowest bool) bool {
	return b.Lo < end && at < b.Hi || lowest && at <= b.Lo-1 && b.Lo-1 < end
}

// Apply makes changes, in order: to the held blocks they touch (read
// back from the KV first when not in memory), and to the reads in
// progress over their keys (made when the read ends, or, for a cut, the
// read stores nothing). With a KV, the deltas and the segments' records
// are written with the changes, and meta (the caller's records, such as
// how far the changes go) last, in the write of the last changes: after
// a crash the KV holds the meta only with every change it says was made
// (it may hold changes made since the meta it holds: the caller makes
// them again, and making a change twice is making it once). Blocks whose
// changes have piled up are compacted (BlockCodec.Compact). The changes
// are made applyBlocks blocks at a time, so that a batch touching every
// block of a large segment does not hold them all in memory at once.
func (s *Segments) Apply(changes []Change, meta map[string][]byte) {
	_ = s.ApplyWith(changes, meta, nil)
}

// ApplyWith is Apply that also writes extra, the caller's own KV
// operations, in the write that holds meta: a record kept beside the
// changes (a log of them) is on disk exactly when the meta saying the
// changes were made is. extra's keys must not start with the prefixes
// Segments uses (s/ b/ d/ p/ m/). The error says the write did not
// reach the KV (it failed, now or earlier): extra was not kept; nil with
// no KV at all.
func (s *Segments) ApplyWith(changes []Change, meta map[string][]byte, extra []Op) error {
	for {
		n := s.partOf(changes)
		if n == len(changes) {
			return s.applyPart(changes, meta, extra)
		}
		s.applyPart(changes[:n], nil, nil)
		changes = changes[n:]
	}
}

// errNotWritten is ApplyWith's error once the KV is not written any more.
var errNotWritten = errors.New("cache: the disk store is not written any more (a write to it failed)")

// applyBlocks bounds the blocks one part of Apply holds in memory.
const applyBlocks = 32

// partOf is how many of the changes, from the first, touch applyBlocks
// held blocks at most (one at least).
func (s *Segments) partOf(changes []Change) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	blocks := map[*Block]bool{}
	for i, ch := range changes {
		if ch.Patch == nil {
			continue
		}
		for _, b := range s.touchedLocked(ch.Stream, ch.At, ch.end()) {
			if !blocks[b] && len(blocks) == applyBlocks && i > 0 {
				return i
			}
			blocks[b] = true
		}
	}
	return len(changes)
}

// applyPart is Apply of changes that touch few blocks: they are pinned
// and read into memory, changed, compacted when worth it, and the KV
// written once, with meta.
func (s *Segments) applyPart(changes []Change, meta map[string][]byte, extra []Op) error {
	s.mu.Lock()
	var pinned []*Block
	for _, ch := range changes {
		if ch.Patch != nil {
			pinned = append(pinned, s.pinLocked(s.touchedLocked(ch.Stream, ch.At, ch.end()))...)
		}
	}
	s.mu.Unlock()
	for _, b := range pinned {
		_, _ = s.Load(b) // gone or unreadable: the change cuts it below
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	var ops []Op
	touched := map[*Segment]bool{}
	for _, ch := range changes {
		s.stats.Changes++
		for _, c := range s.reading[ch.Stream] {
			if c.lo-1 < ch.end() && ch.At < c.hi {
				if ch.Patch == nil {
					c.superseded = true
				} else {
					c.changes = append(c.changes, ch)
				}
			}
		}
		for _, b := range s.touchedLocked(ch.Stream, ch.At, ch.end()) {
			ops = s.changeLocked(b, ch, ops, touched)
		}
	}
	for _, b := range pinned {
		if !b.gone && b.val != nil && b.seg != nil {
			ops = s.compactLocked(b, ops, touched)
		}
	}
	for g := range touched {
		if g.elem != nil { // still held (not cut meanwhile)
			ops = s.recordLocked(g, ops)
		}
	}
	for k, v := range meta {
		s.meta[k] = v
		ops = append(ops, Op{Key: metaKey(k), Val: v})
	}
	ops = append(ops, extra...)
	s.unpinLocked(pinned)
	ops = s.evictLocked(ops)
	s.writeLocked(ops)
	if s.kv != nil && s.broken() {
		return errNotWritten
	}
	return nil
}

// changeLocked makes one change to block b: its patch, or a cut when it
// has none or the block could not be read. touched collects the segments
// whose record must be written again (nil for a claim's blocks).
func (s *Segments) changeLocked(b *Block, ch Change, ops []Op, touched map[*Segment]bool) []Op {
	if ch.Patch == nil || b.val == nil {
		if b.seg != nil {
			return s.cutLocked(b, ops)
		}
		return s.dropBlockLocked(b, ops)
	}
	b.val, b.items = ch.Patch(b.val, b.Lo, b.Hi)
	b.version++
	if b.hint != nil && ch.Rehint != nil {
		b.hint = ch.Rehint(b.hint)
	} else {
		b.hint = nil
	}
	s.resizeLocked(b)
	if b.durable() && (ch.Delta == nil || s.broken()) {
		// Its bytes in the KV no longer say what it holds: it stays in
		// memory only (and its segment's record goes).
		ops = append(ops, Op{Key: blockKey(b.id), Delete: true}, Op{Key: deltaPrefix(b.id), Delete: true, Prefix: true})
		s.disk -= b.disk
		b.id, b.disk, b.deltas = 0, 0, 0
	}
	if b.durable() {
		ops = append(ops, Op{Key: deltaKey(b.id, b.deltas), Val: ch.Delta})
		b.deltas++
		b.disk += int64(len(ch.Delta))
		s.disk += int64(len(ch.Delta))
	}
	if b.seg != nil && touched != nil {
		touched[b.seg] = true
	}
	return ops
}

// compactLocked folds a block's changes into it when its codec says it
// is worth it; on the KV its new bytes replace its bytes and deltas.
func (s *Segments) compactLocked(b *Block, ops []Op, touched map[*Segment]bool) []Op {
	if s.codec == nil {
		return ops
	}
	nv, ok := s.codec.Compact(b.val)
	if !ok {
		return ops
	}
	b.val = nv
	s.resizeLocked(b)
	if !b.durable() || s.broken() {
		return ops
	}
	data, err := s.codec.Encode(nv)
	if err != nil {
		return ops // the deltas stay
	}
	s.disk += int64(len(data)) - b.disk
	b.disk = int64(len(data))
	b.deltas = 0
	touched[b.seg] = true
	return append(ops, Op{Key: blockKey(b.id), Val: data}, Op{Key: deltaPrefix(b.id), Delete: true, Prefix: true})
}

// pinLocked pins blocks, so that they stay in memory until unpinned, and
// returns them.
func (s *Segments) pinLocked(blocks []*Block) []*Block {
	for _, b := range blocks {
		b.pins++
	}
	return blocks
}

func (s *Segments) unpinLocked(blocks []*Block) {
	for _, b := range blocks {
		b.pins--
	}
}
