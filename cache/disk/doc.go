// Package disk is an encrypted key-value store in a directory, on
// pebble: the durable cache.KV under cache.Segments. Like package cache
// it knows bytes and keys, nothing of what they encode.
//
// Values are sealed with AES-256-GCM, a random nonce each, under a key
// derived (HKDF-SHA256) from the Stripe API key and account id; the key a
// value is stored under is its additional data, so a value moved to
// another key does not open. Keys are stored as given: what would show
// what it names (a filter's email) the caller hashes with Store.Hash, a
// keyed HMAC. A value that does not authenticate, or that pebble finds
// corrupt, is cache.ErrCorrupt, never data.
//
// The caller's keys live under a one-byte prefix of their own and the
// store's check record under another (see keys.go), so every key is the
// caller's to use. The check record, sealed and naming the caller's
// Format, is how Open knows a store was written under the same key,
// account and format; when it was not, or pebble cannot read the
// directory, Open empties it and says why (Opened).
//
// Files are 0600 and the directory 0700 whatever the umask (privatefs.go).
// pebble's memory is small and fixed (store.go); its logging goes to the
// caller's slog.Logger or nowhere.
package disk
