package testutil

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// StripeMockKey is an API key stripe-mock accepts (it accepts any sk_test_ key).
const StripeMockKey = "sk_test_123"

// stripeMockStartTimeout bounds how long StripeMock waits for the server to
// answer; loading the embedded OpenAPI spec takes about a second.
const stripeMockStartTimeout = 30 * time.Second

// stripeMockHTTPPrefix is how stripe-mock announces its HTTP listener.
// Listening on port 0 and reading the real port back avoids the race of
// picking a "free" port first.
const stripeMockHTTPPrefix = "Listening for HTTP at address: "

var stripeMockBuild struct {
	once sync.Once
	path string
	err  error
}

// StripeMock starts stripe-mock (the version pinned in go.mod) on a free
// loopback port, waits until it answers, and stops it when the test ends.
// It returns the base URL, e.g. "http://127.0.0.1:41234"; use StripeMockKey
// as the API key. The binary comes from $STRIPE_MOCK_BIN (set by `make test`)
// or is built once per test process.
func StripeMock(t testing.TB) (url string) {
	t.Helper()
	bin, err := stripeMockBinary()
	if err != nil {
		t.Fatalf("testutil.StripeMock: %v", err)
		return ""
	}
	srv, err := startStripeMock(bin)
	if err != nil {
		t.Fatalf("testutil.StripeMock: %v", err)
		return ""
	}
	t.Cleanup(srv.stop)
	return srv.url
}

// stripeMockBinary finds or builds the stripe-mock executable.
func stripeMockBinary() (string, error) {
	if p := os.Getenv("STRIPE_MOCK_BIN"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("STRIPE_MOCK_BIN: %w (run `make deps` to build it)", err)
		}
		return p, nil
	}
	stripeMockBuild.once.Do(func() {
		// `go tool -n` builds the tool pinned in go.mod into Go's build
		// cache (shared across test processes) and prints its path. Test
		// binaries run inside the module, so the pin resolves.
		cmd := exec.Command("go", "tool", "-n", "stripe-mock")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			stripeMockBuild.err = fmt.Errorf("building stripe-mock with `go tool -n stripe-mock`: %w: %s (or run `make deps` and set STRIPE_MOCK_BIN)",
				err, strings.TrimSpace(stderr.String()))
			return
		}
		stripeMockBuild.path = strings.TrimSpace(string(out))
	})
	return stripeMockBuild.path, stripeMockBuild.err
}

type stripeMockServer struct {
	url    string
	cmd    *exec.Cmd
	exited chan struct{} // closed once the process has been waited for
	output *syncBuffer   // everything it printed, for error messages
}

func startStripeMock(bin string) (*stripeMockServer, error) {
	// HTTPS is forced onto a random loopback port too: left unset, it would
	// try the fixed default port 12112 and collide between tests.
	cmd := exec.Command(bin, "-http-addr", "127.0.0.1:0", "-https-addr", "127.0.0.1:0")
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	srv := &stripeMockServer{cmd: cmd, exited: make(chan struct{}), output: &syncBuffer{}}
	go func() {
		err := cmd.Wait()
		pw.CloseWithError(io.EOF)
		srv.output.WriteString(fmt.Sprintf("[stripe-mock exited: %v]\n", err))
		close(srv.exited)
	}()
	addrs := make(chan string, 1)
	go srv.scanOutput(pr, addrs)

	deadline := time.NewTimer(stripeMockStartTimeout)
	defer deadline.Stop()
	select {
	case addr := <-addrs:
		srv.url = "http://" + addr
	case <-srv.exited:
		return nil, fmt.Errorf("stripe-mock exited before listening; output:\n%s", srv.output)
	case <-deadline.C:
		srv.stop()
		return nil, fmt.Errorf("stripe-mock did not listen within %v; output:\n%s", stripeMockStartTimeout, srv.output)
	}
	if err := srv.waitReady(deadline.C); err != nil {
		srv.stop()
		return nil, err
	}
	return srv, nil
}

// scanOutput records the output and reports the HTTP address once. It keeps
// reading until EOF so the process never blocks on a full pipe.
func (s *stripeMockServer) scanOutput(r io.Reader, addrs chan<- string) {
	sc := bufio.NewScanner(r)
	reported := false
	for sc.Scan() {
		line := sc.Text()
		s.output.WriteString(line + "\n")
		if addr, ok := parseStripeMockHTTPAddr(line); ok && !reported {
			addrs <- addr
			reported = true
		}
	}
	// A line too long for the scanner ends the loop; keep draining.
	_, _ = io.Copy(io.Discard, r)
}

// waitReady polls an authenticated list call until it returns 200.
func (s *stripeMockServer) waitReady(deadline <-chan time.Time) error {
	client := &http.Client{Timeout: 2 * time.Second}
	var lastErr error
	for {
		if lastErr = probeStripeMock(client, s.url); lastErr == nil {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("stripe-mock exited while starting; output:\n%s", s.output)
		case <-deadline:
			return fmt.Errorf("stripe-mock at %s not ready within %v: %v; output:\n%s", s.url, stripeMockStartTimeout, lastErr, s.output)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func probeStripeMock(client *http.Client, baseURL string) error {
	req, err := http.NewRequest(http.MethodGet, baseURL+"/v1/charges", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+StripeMockKey)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /v1/charges: status %d", resp.StatusCode)
	}
	return nil
}

func (s *stripeMockServer) stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	// A failed Kill means the process is already gone; Wait still returns.
	_ = s.cmd.Process.Kill()
	<-s.exited
}

// parseStripeMockHTTPAddr extracts the address from stripe-mock's
// "Listening for HTTP at address: 127.0.0.1:41234" line.
func parseStripeMockHTTPAddr(line string) (addr string, ok bool) {
	addr, ok = strings.CutPrefix(strings.TrimSpace(line), stripeMockHTTPPrefix)
	if !ok || addr == "" {
		return "", false
	}
	return addr, true
}

// syncBuffer is a strings.Builder safe for one writer and concurrent readers.
type syncBuffer struct {
	mu sync.Mutex
	sb strings.Builder
}

func (b *syncBuffer) WriteString(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sb.WriteString(s)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sb.String()
}
