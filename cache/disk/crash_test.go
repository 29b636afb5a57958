package disk

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stripesql/stripesql/cache"
)

// keysPerGeneration is how many keys each batch of writeGenerations sets.
const keysPerGeneration = 8

// writeGenerations writes batches until killed. Batch g sets "last" to g
// and keysPerGeneration keys "g/<g>/<i>", and drops the keys of g-2 with
// a prefix delete; so whatever the moment of a crash, the store must
// hold exactly the generations last-1 and last, each complete. It
// prints every g whose batch was synced.
func writeGenerations(dir string) error {
	s, _, err := Open(testOptions(dir))
	if err != nil {
		return err
	}
	last := 0
	if v, ok, err := s.Get([]byte("last")); err != nil {
		return err
	} else if ok {
		last, _ = strconv.Atoi(string(v))
	}
	for g := last + 1; ; g++ {
		ops := []cache.Op{{Key: []byte("last"), Val: []byte(strconv.Itoa(g))}}
		for i := range keysPerGeneration {
			size := 16 + rand.IntN(32<<10)
			if rand.IntN(20) == 0 {
				size = 1 << 20 // beyond pebble's large-batch threshold
			}
			val := make([]byte, size)
			binary.BigEndian.PutUint64(val, uint64(g))
			binary.BigEndian.PutUint64(val[8:], uint64(i))
			ops = append(ops, cache.Op{Key: genKey(g, i), Val: val})
		}
		ops = append(ops, cache.Op{Key: genPrefix(g - 2), Delete: true, Prefix: true})
		sync := g%2 == 0
		if err := s.Write(ops, sync); err != nil {
			return err
		}
		if sync {
			fmt.Println(g)
		}
	}
}

func genPrefix(g int) []byte { return fmt.Appendf(nil, "g/%08d/", g) }
func genKey(g, i int) []byte { return fmt.Appendf(genPrefix(g), "%02d", i) }

// TestCrashAtomicity: a child writing batches is killed with SIGKILL at
// a random moment, several times over the same directory; after each,
// every batch is all there or not at all, and every synced one is there.
func TestCrashAtomicity(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	lastSynced := 0
	for round := range 4 {
		c := startChild(t, "write", dir)
		started, acked := make(chan struct{}), make(chan int)
		go func() {
			max := 0
			for c.lines.Scan() {
				if max == 0 {
					close(started)
				}
				max, _ = strconv.Atoi(c.lines.Text())
			}
			acked <- max
		}()
		// Kill it while it writes, not while it opens the store.
		select {
		case <-started:
		case <-acked:
			t.Fatal("the child ended before syncing a batch")
		case <-time.After(10 * time.Second):
			t.Fatal("the child synced no batch in 10s")
		}
		time.Sleep(time.Duration(50+rand.IntN(250)) * time.Millisecond)
		if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		// Read what it said up to its end before Wait closes the pipe.
		if g := <-acked; g > lastSynced {
			lastSynced = g
		}
		c.cmd.Wait()

		s := mustOpen(t, testOptions(dir))
		last := checkGenerations(t, s)
		s.Close()
		t.Logf("round %d: last generation %d, last synced %d", round, last, lastSynced)
		if last < lastSynced {
			t.Fatalf("round %d: generation %d was synced, the store ends at %d", round, lastSynced, last)
		}
	}
}

// checkGenerations checks the store holds generations last-1 and last,
// complete and intact, and nothing else; it returns last.
func checkGenerations(t *testing.T, s *Store) int {
	t.Helper()
	last := 0
	if v, ok, err := s.Get([]byte("last")); err != nil {
		t.Fatal(err)
	} else if ok {
		last, _ = strconv.Atoi(string(v))
	}
	count := map[int]int{}
	err := s.Scan([]byte("g/"), func(key, val []byte, err error) error {
		if err != nil {
			return fmt.Errorf("%q: %w", key, err)
		}
		g, _ := strconv.Atoi(string(key[2:10]))
		i, _ := strconv.Atoi(string(key[11:]))
		if len(val) < 16 || binary.BigEndian.Uint64(val) != uint64(g) || binary.BigEndian.Uint64(val[8:]) != uint64(i) {
			return fmt.Errorf("%q holds another key's value", key)
		}
		count[g]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]int{}
	for g := max(last-1, 1); g <= last; g++ {
		want[g] = keysPerGeneration
	}
	if fmt.Sprint(count) != fmt.Sprint(want) {
		t.Fatalf("last generation %d, keys per generation %v, want %v", last, count, want)
	}
	return last
}
