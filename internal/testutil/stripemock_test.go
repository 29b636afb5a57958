package testutil

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestParseStripeMockHTTPAddr(t *testing.T) {
	tests := []struct {
		line   string
		want   string
		wantOK bool
	}{
		{"Listening for HTTP at address: 127.0.0.1:41234", "127.0.0.1:41234", true},
		{"Listening for HTTP at address: [::]:12111\n", "[::]:12111", true},
		{"Listening for HTTPS at address: 127.0.0.1:41235", "", false},
		{"Listening for HTTP at address: ", "", false},
		{"stripe-mock v0.180.0", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := parseStripeMockHTTPAddr(tt.line)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("parseStripeMockHTTPAddr(%q) = %q, %v; want %q, %v", tt.line, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestStripeMockServesTheStripeAPI(t *testing.T) {
	url := StripeMock(t)
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("StripeMock() = %q, want a loopback http URL", url)
	}

	tests := []struct {
		name       string
		key        string
		wantStatus int
	}{
		{"authenticated list", StripeMockKey, http.StatusOK},
		{"missing key", "", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, url+"/v1/customers?limit=3", nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.key != "" {
				req.Header.Set("Authorization", "Bearer "+tt.key)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("GET /v1/customers: status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if tt.wantStatus != http.StatusOK {
				return
			}
			var list struct {
				Object string            `json:"object"`
				Data   []json.RawMessage `json:"data"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
				t.Fatalf("decoding list: %v", err)
			}
			if list.Object != "list" || len(list.Data) == 0 {
				t.Fatalf("got object %q with %d items, want a non-empty list", list.Object, len(list.Data))
			}
		})
	}
}

func TestStripeMockInstancesAreIndependentAndStopWithTheirTest(t *testing.T) {
	var a, b string
	t.Run("start two", func(t *testing.T) {
		a, b = StripeMock(t), StripeMock(t)
		if a == b {
			t.Fatalf("two StripeMock calls share the URL %q", a)
		}
	})
	client := &http.Client{Timeout: time.Second}
	for _, url := range []string{a, b} {
		if err := probeStripeMock(client, url); err == nil {
			t.Errorf("stripe-mock at %s still answers after its test ended", url)
		}
	}
}

func TestStripeMockBinaryReportsMissingEnvBinary(t *testing.T) {
	t.Setenv("STRIPE_MOCK_BIN", t.TempDir()+"/no-such-stripe-mock")
	_, err := stripeMockBinary()
	if err == nil || !strings.Contains(err.Error(), "make deps") {
		t.Fatalf("stripeMockBinary() error = %v, want one pointing at `make deps`", err)
	}
}
