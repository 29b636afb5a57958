package fakestripe

// All randomness in the fake account comes from splitmix64 streams keyed by
// the seed, so the same Options.Seed always yields the same bytes: no
// math/rand global state, no wall clock.

// mix64 is the splitmix64 finaliser: a cheap, well-distributed bijection.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// hashString folds s into a 64-bit key (FNV-1a), used to give every
// resource its own independent stream.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// rng is a deterministic generator (splitmix64).
type rng struct{ state uint64 }

func newRNG(seed int64, stream string) *rng {
	return &rng{state: mix64(uint64(seed) ^ hashString(stream))}
}

func (r *rng) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a value in [0, n); n must be positive.
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// between returns a value in [lo, hi].
func (r *rng) between(lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	return lo + int64(r.next()%uint64(hi-lo+1))
}

// chance reports true with probability p.
func (r *rng) chance(p float64) bool { return float64(r.next()>>11)/(1<<53) < p }

// pick returns one element of choices, uniformly.
func pick[T any](r *rng, choices []T) T { return choices[r.intn(len(choices))] }

// weighted is a value with a relative weight, for skewed choices.
type weighted[T any] struct {
	value  T
	weight int
}

func pickWeighted[T any](r *rng, choices []weighted[T]) T {
	total := 0
	for _, c := range choices {
		total += c.weight
	}
	n := r.intn(total)
	for _, c := range choices {
		if n < c.weight {
			return c.value
		}
		n -= c.weight
	}
	return choices[len(choices)-1].value
}

// objectRNG is the stream for the cosmetic fields of one object (names,
// card digits…), so rendering an object never depends on render order.
func objectRNG(seed uint64) *rng { return &rng{state: seed} }

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// randomChars returns n base62 characters from r.
func randomChars(r *rng, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = base62[r.intn(len(base62))]
	}
	return string(b)
}

// idLength is the number of base62 characters after the prefix.
const idLength = 24

// makeID returns a Stripe-looking id (prefix_ + 24 base62 chars) for row i
// of a resource. It hashes (seed, resource, row), so ids are stable and
// unrelated to creation order.
func makeID(seed int64, prefix string, i int, salt int) string {
	r := &rng{state: mix64(uint64(seed)^hashString(prefix)) ^ mix64(uint64(i)<<8|uint64(salt))}
	return prefix + "_" + randomChars(r, idLength)
}
