package disk

import (
	"context"
	"fmt"
)

// Wipe drops every key of the caller's (the check record stays) and
// reclaims their space: a range deletion over the caller's key space,
// then a compaction of it, which removes the tables it covers. Calls
// running meanwhile see the keys or not, as if they came before or
// after.
func (s *Store) Wipe() error {
	if err := s.gate.enter(); err != nil {
		return err
	}
	defer s.gate.leave()
	b := s.db.NewBatch()
	defer b.Close()
	if err := b.DeleteRange(dataStart, dataEnd, nil); err != nil {
		return fmt.Errorf("disk: wipe: %w", err)
	}
	if err := s.commit(b, true); err != nil {
		return err
	}
	if err := s.db.Compact(context.Background(), dataStart, dataEnd, true); err != nil {
		return fmt.Errorf("disk: wipe: %w", err)
	}
	return nil
}
