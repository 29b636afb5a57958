package disk

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
)

// hkdfSalt fixes the derivation to this package and this version of its
// layout: the same Stripe key used elsewhere gives unrelated keys here.
var hkdfSalt = []byte("stripesql disk v1")

// HKDF info labels of the two subkeys; Bind follows the label, so a key
// derived for one account never opens another account's store.
const (
	valueKeyInfo = "value key\x00"
	hashKeyInfo  = "hash key\x00"
)

const hashLen = 16

// sealOverhead is what sealing adds to a value: the random nonce in front
// and the GCM tag behind.
const sealOverhead = 12 + 16

// sealer encrypts values and hashes keys under the keys derived from a
// store's Secret and Bind. It is safe for concurrent use: cipher.AEAD
// keeps no state between calls.
type sealer struct {
	aead    cipher.AEAD
	hashKey []byte
}

func newSealer(secret []byte, bind string) (*sealer, error) {
	if len(secret) == 0 {
		return nil, errors.New("disk: no secret to derive the store's keys from")
	}
	valueKey, err := hkdf.Key(sha256.New, secret, hkdfSalt, valueKeyInfo+bind, 32)
	if err != nil {
		return nil, err
	}
	hashKey, err := hkdf.Key(sha256.New, secret, hkdfSalt, hashKeyInfo+bind, sha256.Size)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(valueKey)
	if err != nil {
		return nil, err
	}
	// A random 96-bit nonce per value, prepended to the ciphertext: values
	// are rewritten freely and there is no counter that would survive a
	// crash, so nonces cannot be sequential.
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead, hashKey: hashKey}, nil
}

// seal appends nonce||ciphertext of val to dst. storedKey is the
// additional data: a sealed value only opens under the key it was
// written under, so one moved to another key is detected.
func (s *sealer) seal(dst, storedKey, val []byte) []byte {
	return s.aead.Seal(dst, nil, val, storedKey)
}

// open returns the plaintext of sealed in newly allocated memory (never
// aliasing sealed, which may be pebble's buffer), or errSealBroken.
func (s *sealer) open(storedKey, sealed []byte) ([]byte, error) {
	if len(sealed) < sealOverhead {
		return nil, errSealBroken
	}
	out := make([]byte, 0, len(sealed)-sealOverhead)
	out, err := s.aead.Open(out, nil, sealed, storedKey)
	if err != nil {
		return nil, errSealBroken
	}
	return out, nil
}

var errSealBroken = errors.New("disk: value fails authentication")

func (s *sealer) hash(b []byte) []byte {
	m := hmac.New(sha256.New, s.hashKey)
	m.Write(b)
	return m.Sum(nil)[:hashLen]
}
