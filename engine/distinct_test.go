package engine_test

import (
	"fmt"
	"testing"

	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// COUNT(DISTINCT x) counts the distinct non-NULL values, as MySQL does,
// whatever their type; several expressions, or a window, keep the
// engine's own count.
func TestCountDistinct(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	tests := []struct{ query, want string }{
		{"SELECT COUNT(DISTINCT v) FROM (SELECT 'a' v UNION ALL SELECT 'a' UNION ALL SELECT NULL UNION ALL SELECT 'b') t", "[[2]]"},
		{"SELECT COUNT(DISTINCT v) FROM (SELECT 1 v UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT NULL) t", "[[2]]"},
		{"SELECT COUNT(DISTINCT v) FROM (SELECT 1.50 v UNION ALL SELECT 1.50 UNION ALL SELECT 2.25) t", "[[2]]"},
		{"SELECT COUNT(DISTINCT v) FROM (SELECT NULL v) t", "[[0]]"},
		{"SELECT COUNT(DISTINCT a, b) FROM (SELECT 1 a, 'x' b UNION ALL SELECT 1, 'x' UNION ALL SELECT 1, 'y') t", "[[2]]"},
		{"SELECT g, COUNT(DISTINCT v) FROM (SELECT 1 g, 'a' v UNION ALL SELECT 1, 'b' UNION ALL SELECT 2, 'a' UNION ALL SELECT 2, 'a') t GROUP BY g ORDER BY g", "[[1 2] [2 1]]"},
		{"SELECT COUNT(DISTINCT currency), COUNT(DISTINCT customer), COUNT(DISTINCT amount) > 1 FROM charges", ""},
	}
	for _, tt := range tests {
		got := fmt.Sprint(env.Rows(t, tt.query))
		if tt.want == "" {
			tt.want = fmt.Sprint(env.Rows(t, "SELECT COUNT(*), (SELECT COUNT(*) FROM (SELECT DISTINCT customer FROM charges WHERE customer IS NOT NULL) c), 1 FROM (SELECT DISTINCT currency FROM charges) x"))
		}
		if got != tt.want {
			t.Errorf("%s = %s, want %s", tt.query, got, tt.want)
		}
	}
}
