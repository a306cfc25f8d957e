//go:build !unix && !windows

package localapi

import (
	"context"
	"fmt"
	"net"
	"runtime"
)

// Listen is not supported on this platform.
func Listen(path string) (net.Listener, error) {
	return nil, fmt.Errorf("listen on %s: the local API is not supported on %s", path, runtime.GOOS)
}

// Dial is not supported on this platform.
func Dial(_ context.Context, path string) (net.Conn, error) {
	return nil, fmt.Errorf("connect to %s: the local API is not supported on %s", path, runtime.GOOS)
}

// PeerCredentials is not supported on this platform: every caller is refused.
func PeerCredentials(net.Conn) (Peer, error) {
	return Peer{}, fmt.Errorf("peer credentials are not supported on %s", runtime.GOOS)
}

// processSID is for Windows pipes: there is no SID here.
func processSID() string { return "" }
