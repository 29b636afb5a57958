package fakestripe

import (
	"net/http"
	"sync"
	"time"
)

// rateLimiter is a token bucket holding one second's worth of requests, so
// bursts beyond Options.RateLimit get Stripe's 429.
type rateLimiter struct {
	mu     sync.Mutex
	rate   float64
	tokens float64
	last   time.Time
	now    func() time.Time
}

func newRateLimiter(rate float64) *rateLimiter {
	if rate <= 0 {
		return nil
	}
	return &rateLimiter{rate: rate, tokens: max(rate, 1), now: time.Now}
}

// allow takes a token, reporting false when none is left.
func (l *rateLimiter) allow() bool {
	if l == nil {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if !l.last.IsZero() {
		l.tokens = min(max(l.rate, 1), l.tokens+now.Sub(l.last).Seconds()*l.rate)
	}
	l.last = now
	if l.tokens < 1 {
		return false
	}
	l.tokens--
	return true
}

// searchRate is the Search API's rate (Options.SearchRateLimit).
func searchRate(opts Options) float64 {
	switch {
	case opts.SearchRateLimit < 0:
		return 0
	case opts.SearchRateLimit == 0 && opts.RateLimit > 0:
		return stripeSearchRate
	}
	return opts.SearchRateLimit
}

// stripeSearchRate is Stripe's documented Search API limit: "up to 20 read
// operations per second which applies for all search endpoints".
const stripeSearchRate = 20

func rateLimited() *apiError {
	return &apiError{status: http.StatusTooManyRequests, Type: "invalid_request_error", Code: "rate_limit",
		Message: "Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits."}
}
