//go:build unix

package localapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// maxSocketPath is the longest path a unix socket address holds: sun_path
// minus its terminating NUL (108 bytes on Linux, 104 on macOS and the BSDs).
func maxSocketPath() int {
	if runtime.GOOS == "linux" {
		return 107
	}
	return 103
}

// Listen creates the local API's unix socket at path, mode 0600. An existing
// socket file is removed only if nobody answers on it (a leftover of a
// crash); a live one gives ErrInUse, and anything that is not a socket is
// left alone. The directory must exist. Closing the listener removes the
// socket file if it is still the one Listen made.
//
// The socket is bound inside a fresh 0700 directory beside path, set to 0600
// and only then renamed into place, so it is never reachable with a wider
// mode whatever the umask (changing the umask instead would affect every
// goroutine of the process).
func Listen(path string) (net.Listener, error) {
	if path == "" {
		return nil, errors.New("listen: the local API socket path is empty")
	}
	limit := maxSocketPath()
	if len(path) > limit {
		return nil, fmt.Errorf("listen on %s: the socket path is %d bytes; %s allows at most %d", path, len(path), runtime.GOOS, limit)
	}
	if err := removeStaleSocket(path); err != nil {
		return nil, err
	}
	tmpDir, err := makePrivateDir(filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	tmp := filepath.Join(tmpDir, "s")
	defer func() {
		_ = os.Remove(tmp) // gone already after a successful rename
		_ = os.Remove(tmpDir)
	}()
	if len(tmp) > limit {
		return nil, fmt.Errorf("listen on %s: the socket's directory is too long: the socket is first bound at %s (%d bytes), and %s allows at most %d",
			path, tmp, len(tmp), runtime.GOOS, limit)
	}
	ul, err := net.ListenUnix("unix", &net.UnixAddr{Name: tmp, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	// The listener removes the final path itself (see Close); the
	// temporary name is gone after the rename.
	ul.SetUnlinkOnClose(false)
	if err := os.Chmod(tmp, 0o600); err != nil {
		_ = ul.Close()
		return nil, fmt.Errorf("listen on %s: restrict socket mode: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = ul.Close()
		return nil, fmt.Errorf("listen on %s: move socket into place: %w", path, err)
	}
	info, err := os.Lstat(path)
	if err != nil {
		_ = ul.Close()
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	return &unixListener{UnixListener: ul, path: path, info: info}, nil
}

// removeStaleSocket makes way for a new socket at path: nothing there is
// fine; a socket nobody answers on is removed; anything else is an error.
func removeStaleSocket(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("listen on %s: %w", path, err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("listen on %s: the path exists and is not a socket (mode %s); refusing to replace it", path, fi.Mode())
	}
	d := net.Dialer{Timeout: 2 * time.Second}
	c, err := d.Dial("unix", path)
	if err == nil {
		_ = c.Close()
		return fmt.Errorf("listen on %s: %w", path, ErrInUse)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("listen on %s: an existing socket cannot be probed (%v); refusing to replace it", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("listen on %s: remove stale socket: %w", path, err)
	}
	return nil
}

// makePrivateDir creates a new 0700 directory in dir with a short random
// name (short, because the socket path limit applies inside it too).
func makePrivateDir(dir string) (string, error) {
	var b [4]byte
	for range 32 {
		_, _ = rand.Read(b[:])
		p := filepath.Join(dir, ".sock-"+hex.EncodeToString(b[:]))
		err := os.Mkdir(p, 0o700)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("create private directory: %w", err)
		}
	}
	return "", fmt.Errorf("create private directory in %s: every name tried exists", dir)
}

// unixListener is the socket at its final path.
type unixListener struct {
	*net.UnixListener
	path      string
	info      fs.FileInfo
	closeOnce sync.Once
}

// Addr reports the final path, not the temporary one the socket was bound at.
func (l *unixListener) Addr() net.Addr { return &net.UnixAddr{Name: l.path, Net: "unix"} }

// Close stops listening and removes the socket file unless another listener
// has replaced it since.
func (l *unixListener) Close() error {
	err := l.UnixListener.Close()
	l.closeOnce.Do(func() {
		if fi, e := os.Lstat(l.path); e == nil && os.SameFile(fi, l.info) {
			_ = os.Remove(l.path)
		}
	})
	return err
}

// Dial connects to the local API socket at path.
func Dial(ctx context.Context, path string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, fmt.Errorf("connect to local API at %s: %w", path, err)
	}
	return c, nil
}

// PeerCredentials asks the kernel who is at the other end of c, which must
// be a unix socket connection (SO_PEERCRED on Linux, LOCAL_PEERCRED on
// macOS).
func PeerCredentials(c net.Conn) (Peer, error) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return Peer{}, fmt.Errorf("peer credentials: a %T is not a unix socket connection", c)
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return Peer{}, fmt.Errorf("peer credentials: %w", err)
	}
	var p Peer
	var perr error
	if err := raw.Control(func(fd uintptr) { p, perr = peerFromFD(int(fd)) }); err != nil {
		return Peer{}, fmt.Errorf("peer credentials: %w", err)
	}
	if perr != nil {
		return Peer{}, fmt.Errorf("peer credentials: %w", perr)
	}
	return p, nil
}

// processSID is for Windows pipes: there is no SID here.
func processSID() string { return "" }
