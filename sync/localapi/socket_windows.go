package localapi

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// pipeSDDL is the named pipe's security descriptor: a protected DACL that
// grants full access to SYSTEM and the Administrators group and nothing to
// anyone else, so the OS refuses other callers before any byte is read.
const pipeSDDL = "D:P(A;;GA;;;SY)(A;;GA;;;BA)"

// Listen creates the local API's named pipe: PipeName(path), with an ACL that
// admits only SYSTEM and Administrators. Creating a pipe under
// ProtectedPrefix\Administrators itself needs administrator rights (the
// service runs as LocalSystem), so no ordinary process can create the pipe
// first and impersonate the service.
func Listen(path string) (net.Listener, error) {
	name := PipeName(path)
	l, err := winio.ListenPipe(name, &winio.PipeConfig{
		SecurityDescriptor: pipeSDDL,
		InputBufferSize:    64 << 10,
		OutputBufferSize:   64 << 10,
	})
	if err != nil {
		if errors.Is(err, windows.ERROR_ACCESS_DENIED) {
			return nil, fmt.Errorf("listen on pipe %s: %w (the pipe exists already, or this process is not an administrator)", name, err)
		}
		return nil, fmt.Errorf("listen on pipe %s: %w", name, err)
	}
	return l, nil
}

// Dial connects to the local API pipe PipeName(path).
func Dial(ctx context.Context, path string) (net.Conn, error) {
	name := PipeName(path)
	c, err := winio.DialPipeContext(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("connect to local API pipe %s: %w", name, err)
	}
	return c, nil
}

// PeerCredentials trusts the pipe's ACL: a connection accepted on a pipe made
// by Listen comes from SYSTEM or an Administrator, so it is Privileged. Any
// other kind of connection is refused.
func PeerCredentials(c net.Conn) (Peer, error) {
	if c.LocalAddr().Network() != "pipe" {
		return Peer{}, fmt.Errorf("peer credentials: a %T is not a named pipe connection", c)
	}
	return Peer{UID: -1, Privileged: true}, nil
}
