package main

import (
	"testing"
	"time"
)

// --search-lag takes a duration of a second or more, or off.
func TestSearchLagValues(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"5m", 5 * time.Minute, true},
		{"90s", 90 * time.Second, true},
		{"off", 0, true},
		{"OFF", 0, true},
		{"0", 0, true},
		{"500ms", 0, false},
		{"-1m", 0, false},
		{"soon", 0, false},
	}
	for _, tc := range tests {
		var l searchLag
		err := l.Set(tc.in)
		if (err == nil) != tc.ok || tc.ok && time.Duration(l) != tc.want {
			t.Errorf("Set(%q) = %v, %v; want %v, ok %v", tc.in, time.Duration(l), err, tc.want, tc.ok)
		}
	}
}
