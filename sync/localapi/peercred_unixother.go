//go:build unix && !linux && !darwin

package localapi

import (
	"fmt"
	"runtime"
)

// peerFromFD is not implemented here, so every caller is refused.
func peerFromFD(int) (Peer, error) {
	return Peer{}, fmt.Errorf("reading a socket peer's credentials is not implemented on %s", runtime.GOOS)
}
