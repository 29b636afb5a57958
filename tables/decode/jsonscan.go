package decode

import (
	"errors"
	"strconv"
)

// A table reads a few fields of objects that hold dozens; decoding every
// object into a map of all its fields was half the CPU of a scan. scanObject
// walks a JSON object's top-level fields and hands each field's raw value
// to fn without decoding or copying it (keys are not copied either); values are skipped, not parsed, so
// it validates only as much JSON as it needs to find the field boundaries.

var errNotObject = errors.New("not a JSON object")

// scanObject calls fn with each top-level key and raw value of the object.
func Fields(raw []byte, fn func(key, val []byte)) error {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return errNotObject
	}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return trailing(raw, i+1)
	}
	for {
		if i >= len(raw) || raw[i] != '"' {
			return errors.New("malformed object: want a key at offset " + strconv.Itoa(i))
		}
		end, err := skipString(raw, i)
		if err != nil {
			return err
		}
		key := raw[i+1 : end-1]
		if hasEscape(key) {
			unq, err := strconv.Unquote(string(raw[i:end]))
			if err != nil {
				return err
			}
			key = []byte(unq)
		}
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ':' {
			return errors.New("malformed object: want ':' at offset " + strconv.Itoa(i))
		}
		i = skipSpace(raw, i+1)
		vend, err := skipValue(raw, i)
		if err != nil {
			return err
		}
		fn(key, raw[i:vend])
		i = skipSpace(raw, vend)
		if i >= len(raw) {
			return errors.New("malformed object: unexpected end")
		}
		switch raw[i] {
		case ',':
			i = skipSpace(raw, i+1)
		case '}':
			return trailing(raw, i+1)
		default:
			return errors.New("malformed object: want ',' or '}' at offset " + strconv.Itoa(i))
		}
	}
}

func trailing(raw []byte, i int) error {
	if skipSpace(raw, i) != len(raw) {
		return errors.New("malformed object: data after the object")
	}
	return nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

func hasEscape(b []byte) bool {
	for _, c := range b {
		if c == '\\' {
			return true
		}
	}
	return false
}

// skipString returns the offset after the string starting at b[i] == '"'.
func skipString(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, errors.New("malformed JSON: unterminated string")
}

// skipValue returns the offset after the JSON value starting at b[i].
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errors.New("malformed JSON: missing value")
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, err := skipString(b, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, errors.New("malformed JSON: unterminated object or array")
	default:
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' && b[j] != '\t' && b[j] != '\r' {
			j++
		}
		if j == i {
			return 0, errors.New("malformed JSON: missing value at offset " + strconv.Itoa(i))
		}
		return j, nil
	}
}
