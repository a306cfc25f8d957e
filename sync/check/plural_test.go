package check

import "testing"

func TestPlural(t *testing.T) {
	for _, tt := range []struct {
		n    int
		want string
	}{{0, "0 rules"}, {1, "1 rule"}, {4, "4 rules"}} {
		if got := plural(tt.n, "rule"); got != tt.want {
			t.Errorf("plural(%d) = %q; want %q", tt.n, got, tt.want)
		}
	}
}
