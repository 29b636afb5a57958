package cache

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestSegmentsBugExpireThree(t *testing.T) {
	s, clock := newTestSegments(1000, time.Minute)
	put(s, "s", 0, 10, clock.Now(), "A", 10, 1)
	put(s, "s", 10, 20, clock.Now(), "B", 10, 1)
	put(s, "s", 20, 30, clock.Now(), "C", 10, 1)
	clock.Advance(time.Minute)
	got := fmtParts(s.Cover("s", 0, 30))
	st, bytes, streams := s.Stats()
	t.Logf("Cover = %q; Expired=%d bytes=%d streams=%+v", got, st.Expired, bytes, streams)
	if got != "gap[0,30)" {
		t.Errorf("Cover = %q, want gap[0,30)", got)
	}
	checkSegments(t, s)
}

func TestSegmentsBugFinishWakesBeforePut(t *testing.T) {
	misses := 0
	const n = 2000
	for i := 0; i < n; i++ {
		s, clock := newTestSegments(1000, time.Minute)
		first, _ := s.Claim(context.Background(), "s", 1, 0, 10)
		ch := make(chan string, 1)
		go func() {
			cl, _ := s.Claim(context.Background(), "s", 2, 0, 10)
			if cl != nil {
				ch <- "claimed"
				return
			}
			ch <- fmtParts(s.Cover("s", 0, 10))
		}()
		waitForSegmentWaiters(t, s, 1)
		finish(first, 0, 10, clock.Now(), "A", 1, 1)
		if got := <-ch; got != "A[0,10)" {
			misses++
		}
	}
	t.Logf("waiter found a gap after the read it waited for in %d of %d runs", misses, n)
	if misses > 0 {
		t.Fail()
	}
}

func TestSegmentsBugFinishWindow(t *testing.T) {
	seen := 0
	const n = 2000
	for i := 0; i < n; i++ {
		s, clock := newTestSegments(1000, time.Minute)
		first, _ := s.Claim(context.Background(), "s", 1, 0, 10)
		stop := make(chan struct{})
		res := make(chan bool, 1)
		started := make(chan struct{})
		go func() {
			close(started)
			for {
				select {
				case <-stop:
					res <- false
					return
				default:
				}
				// What a new reader sees: a gap, and no read of it going on.
				s.mu.Lock()
				free := len(s.reading["s"]) == 0 && len(s.streams["s"]) == 0
				s.mu.Unlock()
				if free {
					res <- true
					return
				}
			}
		}()
		<-started
		finish(first, 0, 10, clock.Now(), "A", 1, 1)
		time.Sleep(10 * time.Microsecond)
		close(stop)
		if <-res {
			seen++
		}
	}
	t.Logf("a second reader claimed the interval just read in %d of %d runs", seen, n)
}

func TestSegmentsBugUpdateDuringFinish(t *testing.T) {
	lost := 0
	const n = 20000
	for i := 0; i < n; i++ {
		s, clock := newTestSegments(1000, time.Minute)
		first, _ := s.Claim(context.Background(), "s", 1, 0, 10)
		var wg sync.WaitGroup
		for w := 0; w < 20; w++ {
			wg.Add(1)
			go func() { defer wg.Done(); s.Claim(context.Background(), "other-owner-waits", 9, 0, 10) }()
		}
		// Readers waiting for the read make its end (waking them) longer.
		for w := 0; w < 20; w++ {
			go s.Claim(context.Background(), "s", uint64(100+w), 0, 10)
		}
		wg.Wait()
		waitForSegmentWaiters(t, s, 20)
		go_ := make(chan struct{})
		done := make(chan struct{})
		go func() {
			<-go_
			for k := 0; k < i%2000; k++ {
				_ = k * k
			}
			// One event for key 5, timed around the read's end.
			s.Apply([]Change{{Stream: "s", At: 5}}, nil)
			close(done)
		}()
		close(go_)
		finish(first, 0, 10, clock.Now(), "A", 1, 1)
		<-done
		if held(s, "s") == "A[0,10)" {
			lost++
		}
	}
	t.Logf("an Update that began after the read (claimed, not finished) was lost in %d of %d runs", lost, n)
	if lost > 0 {
		t.Fail()
	}
}
