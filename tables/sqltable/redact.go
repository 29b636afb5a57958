package sqltable

import "regexp"

// keyPattern matches Stripe secret, restricted and publishable keys, also
// the partly masked form Stripe echoes in a 401 message.
var keyPattern = regexp.MustCompile(`\b(sk|rk|pk)_(test|live)_[A-Za-z0-9*]+`)

// redact removes API keys from text that may reach a client or a log.
func redact(s string) string {
	return keyPattern.ReplaceAllString(s, "${1}_${2}_[redacted]")
}

// Redact is redact for other packages (engine's error and log paths).
func Redact(s string) string { return redact(s) }
