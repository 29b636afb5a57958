package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/dustin/go-humanize"
)

// byteSize is a flag holding a number of bytes, typed with or without a
// unit: 512MiB, 4GiB, 300MB, 1.5GB, 268435456. KiB, MiB, GiB and TiB
// (also K, M, G, T with i) are powers of 1024; kB, MB, GB and TB powers of
// 1000, as in IEC 80000-13. Units are case-insensitive and may follow a
// space. The same parser reads the flag, its STRIPESQL_ variable and its
// config file key (a TOML number or string).
type byteSize int64

// sizeForms names the accepted forms in every refusal.
const sizeForms = "want a size such as 512MiB, 4GiB, 300MB, 1.5GB or a number of bytes " +
	"(KiB, MiB, GiB, TiB are powers of 1024; kB, MB, GB, TB powers of 1000)"

// parseByteSize reads a size as byteSize documents it.
func parseByteSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if t == "" || t[0] == '-' || t[0] == '+' {
		return 0, errors.New(sizeForms)
	}
	n, err := humanize.ParseBytes(t)
	if err != nil {
		return 0, errors.New(sizeForms)
	}
	if n > math.MaxInt64 {
		return 0, fmt.Errorf("%s: too large", sizeForms)
	}
	return int64(n), nil
}

// Set implements flag.Value.
func (b *byteSize) Set(s string) error {
	n, err := parseByteSize(s)
	if err != nil {
		return err
	}
	*b = byteSize(n)
	return nil
}

// Get implements flag.Getter.
func (b *byteSize) Get() any { return *b }

// String shows the size in the largest IEC unit that divides it exactly
// (the defaults in -h read 256MiB), else in bytes.
func (b *byteSize) String() string {
	if b == nil {
		return "0"
	}
	n := int64(*b)
	for _, u := range []struct {
		name  string
		shift uint
	}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}} {
		if n != 0 && n%(1<<u.shift) == 0 {
			return strconv.FormatInt(n>>u.shift, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10)
}
