package fakestripe

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// ListenAndServe serves a fake account on addr ("127.0.0.1:0" picks a free
// port) until ctx is done, then shuts down gracefully. ready, if not nil,
// is called with the base URL ("http://127.0.0.1:12111") once the server
// accepts connections.
func ListenAndServe(ctx context.Context, addr string, opts Options, ready func(url string)) error {
	handler := New(opts)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if ready != nil {
		ready("http://" + ln.Addr().String())
	}
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
