package sqltable

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"
)

// Webhooks (--webhook-listen): Stripe delivers each event to an endpoint
// as it happens, so held rows are right within about a second instead of
// a poll interval. A delivery is verified (its Stripe-Signature, within
// webhook.DefaultTolerance, against one of the endpoint secrets) and
// applied at once, out of turn: it moves no cursor (deliveries come in
// any order, and some never come), so the poll stays the safety net; the
// poll skips what a delivery applied, and a delivery older than one
// already applied for the same object is not applied over it.

// maxWebhookBytes bounds a delivery's body (Stripe's are a few KiB).
const maxWebhookBytes = 1 << 20

// WebhookHandler receives Stripe's event deliveries for the client's
// account, verified against secrets (whsec_…).
func (w *EventWatcher) WebhookHandler(secrets []string) http.Handler {
	var versionOnce sync.Once
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(rw, "stripesql: POST Stripe's event deliveries here", http.StatusMethodNotAllowed)
			return
		}
		payload, err := io.ReadAll(io.LimitReader(r.Body, maxWebhookBytes+1))
		if err != nil || len(payload) > maxWebhookBytes {
			http.Error(rw, "stripesql: the body is unreadable or too large", http.StatusBadRequest)
			return
		}
		e, err := verify(payload, r.Header.Get("Stripe-Signature"), secrets)
		var mismatch *apiVersionMismatch
		switch {
		case errors.As(err, &mismatch):
			versionOnce.Do(func() {
				w.log.Warn("webhook: the endpoint sends events of another API version than stripesql reads; they are not applied "+
					"(polling keeps the cache right): create the endpoint with API version "+stripe.APIVersion, "endpoint_version", mismatch.version)
			})
			http.Error(rw, "stripesql reads Stripe API version "+stripe.APIVersion+"; this endpoint sends "+mismatch.version, http.StatusBadRequest)
			return
		case err != nil:
			w.log.Debug("webhook: a delivery was refused", "error", err.Error())
			http.Error(rw, "stripesql: the signature does not verify", http.StatusBadRequest)
			return
		}
		w.Deliver(e)
		rw.WriteHeader(http.StatusOK)
	})
}

// apiVersionMismatch is a delivery of another API version.
type apiVersionMismatch struct{ version string }

func (m *apiVersionMismatch) Error() string { return "API version " + m.version }

// verify checks a delivery's signature against each secret and returns
// its event.
func verify(payload []byte, header string, secrets []string) (event, error) {
	var lastErr error = errors.New("no webhook secret")
	for _, s := range secrets {
		_, err := webhook.ConstructEventWithOptions(payload, header, strings.TrimSpace(s),
			webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
		if err != nil {
			lastErr = err
			continue
		}
		var e struct {
			event
			APIVersion string `json:"api_version"`
		}
		if err := json.Unmarshal(payload, &e); err != nil {
			return event{}, err
		}
		if e.APIVersion != stripe.APIVersion {
			return event{}, &apiVersionMismatch{e.APIVersion}
		}
		return e.event, nil
	}
	return event{}, lastErr
}

// Deliver applies an event delivered out of turn (a webhook) at once,
// unless it was applied already or is older than what was applied of its
// object.
func (w *EventWatcher) Deliver(e event) {
	c := w.c
	if !c.events.firstApply(e) {
		return
	}
	c.applyEvents(e.Account, []event{e}, nil, w.log)
	c.events.outOfTurn(e)
}
