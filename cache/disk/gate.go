package disk

import (
	"errors"
	"sync"
)

// ErrClosed is the error of a call on a Store after Close.
var ErrClosed = errors.New("disk: store is closed")

// gate lets calls into a Store run concurrently and Close wait for them.
// Unlike a RWMutex it never blocks a call: one that comes after Close
// began fails with ErrClosed. So a Scan callback that writes while Close
// waits gets an error instead of a deadlock, and pebble, which panics
// when used after its Close, is never reached.
type gate struct {
	mu     sync.Mutex
	idle   sync.Cond
	active int
	closed bool
}

func (g *gate) enter() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return ErrClosed
	}
	g.active++
	return nil
}

func (g *gate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.active--
	if g.active == 0 && g.closed {
		g.idle.Broadcast()
	}
}

// close shuts the gate and waits until no call is inside (so it must
// not be called from inside one, e.g. a Scan callback). It reports false
// when the gate was already closed.
func (g *gate) close() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.closed = true
	g.idle.L = &g.mu
	for g.active > 0 {
		g.idle.Wait()
	}
	return true
}
