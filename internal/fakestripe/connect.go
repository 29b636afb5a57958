package fakestripe

import (
	"fmt"
	"net/http"
	"sync"
)

// Stripe Connect: a request with the Stripe-Account header reads that
// connected account's data. The fake's platform has a few connected
// accounts, each a smaller deterministic account of its own.

// connectedCount is how many connected accounts the platform has.
const connectedCount = 3

// ConnectedAccounts are the ids of the platform's connected accounts.
func (s *Server) ConnectedAccounts() []string { return connectedAccountIDs(s.opts.Seed) }

// connected holds the connected accounts' datasets, made when first asked.
type connected struct {
	mu   sync.Mutex
	data map[string]*dataset
}

// datasetFor is the data a request reads: the platform's, or that of the
// connected account its Stripe-Account header names.
func (s *Server) datasetFor(r *http.Request) (*dataset, *apiError) {
	acct := r.Header.Get("Stripe-Account")
	if acct == "" {
		return s.data, nil
	}
	for i, id := range s.ConnectedAccounts() {
		if id != acct {
			continue
		}
		s.connect.mu.Lock()
		defer s.connect.mu.Unlock()
		if s.connect.data == nil {
			s.connect.data = map[string]*dataset{}
		}
		d := s.connect.data[acct]
		if d == nil {
			var err error
			if d, err = newDataset(s.opts.Seed*1000+int64(i)+1, max(s.opts.Scale/10, 20), s.data.end); err != nil {
				return nil, &apiError{status: http.StatusInternalServerError, Type: "api_error", Message: err.Error()}
			}
			d.clock = s.opts.Clock
			s.connect.data[acct] = d
		}
		return d, nil
	}
	return nil, &apiError{status: http.StatusForbidden, Type: "invalid_request_error", Code: "account_invalid",
		Message: fmt.Sprintf("The provided key does not have access to account '%s' (or that account does not exist). Application access may have been revoked.", acct)}
}

// ConnectedObjects is Objects for a connected account's data.
func (s *Server) ConnectedObjects(acct, resource string) []map[string]any {
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Stripe-Account", acct)
	d, err := s.datasetFor(r)
	if err != nil {
		return nil
	}
	return objectsOf(d, resource)
}
