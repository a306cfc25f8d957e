// Package loopback says whether a URL's host is this machine: the one place
// where calsync allows plain http (the emulators), so that a secret, a token
// or a presence never crosses a network in clear text.
package loopback

import (
	"net"
	"strings"
)

// IsHost reports whether host (a URL's Hostname(), without port or
// brackets) is "localhost" or a loopback address (127.0.0.0/8, ::1).
// Look-alike names such as "127.0.0.1.example" are not.
func IsHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
