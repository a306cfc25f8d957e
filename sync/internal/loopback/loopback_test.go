package loopback

import "testing"

func TestIsHost(t *testing.T) {
	for _, tt := range []struct {
		host string
		want bool
	}{
		{"localhost", true},
		{"LocalHost", true},
		{"127.0.0.1", true},
		{"127.9.8.7", true},
		{"::1", true},
		{"", false},
		{"localhost.example", false},
		{"127.0.0.1.example", false},
		{"10.0.0.1", false},
		{"graph.microsoft.com", false},
		{"::ffff:10.0.0.1", false},
	} {
		if got := IsHost(tt.host); got != tt.want {
			t.Errorf("IsHost(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
}
