package disk

// The store's key space has two parts: the store's own records under
// metaPrefix, and the caller's keys under dataPrefix. Giving the caller a
// range of its own means no key of the caller's is reserved, and every
// range the caller can name (a prefix, everything) has a finite end,
// which pebble's DeleteRange and iterator bounds need.
const (
	metaPrefix = "\x00"
	dataPrefix = "\x01"
)

// checkKey holds the check record: a sealed text naming the format,
// which only opens under the Secret and Bind the store was written with.
var checkKey = []byte(metaPrefix + "check")

// dataStart and dataEnd bound the caller's part of the key space.
var (
	dataStart = []byte(dataPrefix)
	dataEnd   = prefixEnd(dataStart)
)

// storedKey is where the caller's key is stored.
func storedKey(key []byte) []byte {
	k := make([]byte, 0, len(dataPrefix)+len(key))
	return append(append(k, dataPrefix...), key...)
}

// prefixEnd is the first key after every key starting with prefix, or
// nil when there is none (prefix is empty or all 0xff). Stored keys
// start with a prefix byte below 0xff, so for them it is never nil.
func prefixEnd(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] != 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
