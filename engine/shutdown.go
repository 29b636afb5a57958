package engine

import (
	"context"
	"sync"
	"time"

	"github.com/dolthub/vitess/go/mysql"
)

// inflights tracks the statements in progress so that a shutdown can let
// them finish, or stop them with an error, before closing connections.
type inflights struct {
	mu      sync.Mutex
	closing bool
	running map[*inflight]struct{}
	drained chan struct{} // closed when closing and none is running
}

type inflight struct {
	set    *inflights
	cancel context.CancelCauseFunc
}

// start registers a statement; during a shutdown it is refused.
func (ss *inflights) start(ctx context.Context) (context.Context, *inflight, error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closing {
		return nil, nil, errShutdown
	}
	if ss.running == nil {
		ss.running = map[*inflight]struct{}{}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	st := &inflight{set: ss, cancel: cancel}
	ss.running[st] = struct{}{}
	return ctx, st, nil
}

func (st *inflight) done() {
	st.cancel(nil)
	ss := st.set
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.running, st)
	if ss.closing && len(ss.running) == 0 && ss.drained != nil {
		close(ss.drained)
		ss.drained = nil
	}
}

// drain refuses new statements and waits until the running ones have
// ended. When ctx ends first, the running ones are stopped with
// errShutdown, and drain waits at most stopWait more for them to return.
func (ss *inflights) drain(ctx context.Context, stopWait time.Duration) {
	ss.mu.Lock()
	ss.closing = true
	if len(ss.running) == 0 {
		ss.mu.Unlock()
		return
	}
	if ss.drained == nil {
		ss.drained = make(chan struct{})
	}
	drained := ss.drained
	ss.mu.Unlock()

	select {
	case <-drained:
		return
	case <-ctx.Done():
	}
	ss.mu.Lock()
	for st := range ss.running {
		st.cancel(errShutdown)
	}
	ss.mu.Unlock()
	t := time.NewTimer(stopWait)
	defer t.Stop()
	select {
	case <-drained:
	case <-t.C:
	}
}

// stopWait bounds how long stopped statements get to send their error
// before their connections are closed under them.
const stopWait = 5 * time.Second

// Shutdown stops the server gracefully: it stops accepting connections
// and statements, lets the running statements finish until ctx ends, then
// stops those still running (their clients get "Server shutdown in
// progress", 1053) and closes every connection.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closeOnce.Do(func() {
		s.srv.Close() // stops accepting; vitess answers pings with 1053
		s.stopStreams()
		if s.stopVariables != nil {
			s.stopVariables()
		}
		s.statements.drain(ctx, stopWait)
		s.conns.Range(func(_, c any) bool {
			c.(*mysql.Conn).Close()
			return true
		})
		s.stopLogging()
	})
	return nil
}

// Close stops the server at once: running statements are stopped and
// every connection is closed.
func (s *Server) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return s.Shutdown(ctx)
}
