package fakestripe

import (
	"encoding/base64"
	"net/http"
	"regexp"
	"strings"
)

// wellFormedKey matches secret and restricted keys of either mode.
var wellFormedKey = regexp.MustCompile(`^(sk|rk)_(test|live)_[0-9A-Za-z]+$`)

// keyPrefix is the part of a key Stripe shows unredacted.
var keyPrefix = regexp.MustCompile(`^(sk|rk|pk)_(test|live)_`)

// checkAuth accepts HTTP basic auth (the key as user name) or a bearer
// token, like Stripe, and answers Stripe's 401 otherwise.
func checkAuth(r *http.Request, accept string) *apiError {
	key, ok := requestKey(r)
	if !ok {
		return &apiError{status: http.StatusUnauthorized, Type: "invalid_request_error",
			Message: "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/."}
	}
	if !wellFormedKey.MatchString(key) || (accept != "" && key != accept) {
		return &apiError{status: http.StatusUnauthorized, Type: "invalid_request_error",
			Message: "Invalid API Key provided: " + redactKey(key)}
	}
	return nil
}

func requestKey(r *http.Request) (string, bool) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	scheme, cred, _ := strings.Cut(h, " ")
	cred = strings.TrimSpace(cred)
	switch strings.ToLower(scheme) {
	case "bearer":
		return cred, cred != ""
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(cred)
		if err != nil {
			return cred, cred != "" // undecodable: still a key, just a wrong one
		}
		user, _, _ := strings.Cut(string(raw), ":")
		return user, user != ""
	}
	return "", false
}

// redactKey hides all but the mode prefix and the last 4 characters, as
// Stripe does: sk_test_****abcd.
func redactKey(key string) string {
	prefix := keyPrefix.FindString(key)
	rest := key[len(prefix):]
	if len(rest) <= 4 {
		return prefix + strings.Repeat("*", len(rest))
	}
	return prefix + strings.Repeat("*", len(rest)-4) + rest[len(rest)-4:]
}
