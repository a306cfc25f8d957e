package localapi

import (
	"context"
	"fmt"
	"os"
	"slices"
)

// Permission is what a caller may do.
type Permission int

// Permissions, in increasing power.
const (
	PermNone      Permission = iota // refused
	PermRead                        // GET endpoints
	PermReadWrite                   // everything
)

func (p Permission) String() string {
	switch p {
	case PermNone:
		return "none"
	case PermRead:
		return "read"
	case PermReadWrite:
		return "read-write"
	}
	return fmt.Sprintf("Permission(%d)", int(p))
}

// CanRead reports whether p allows GET endpoints.
func (p Permission) CanRead() bool { return p >= PermRead }

// CanWrite reports whether p allows the endpoints that change something.
func (p Permission) CanWrite() bool { return p >= PermReadWrite }

// Peer is what the OS says about the process at the other end of a
// connection. On Linux and macOS the kernel reports it (SO_PEERCRED,
// LOCAL_PEERCRED); on Windows the server reads the client process's token
// (see tokenFacts). A process cannot forge either.
type Peer struct {
	// UID is the peer's user id; -1 when the OS does not use uids (Windows).
	UID int `json:"uid"`
	// GIDs are the peer's groups as the kernel reports them: the primary
	// group on Linux, up to 16 groups on macOS.
	GIDs []int `json:"gids,omitempty"`
	// PID is the peer's process id, 0 when unknown. On Linux and macOS it is
	// for logs only (a pid can be reused); on Windows it is how the server
	// finds the client's token, read while the connection is open.
	PID int `json:"pid,omitempty"`
	// User and SID name the caller's Windows account ("CONTOSO\anna",
	// "S-1-5-21-..."), for logs; empty elsewhere.
	User string `json:"user,omitempty"`
	SID  string `json:"sid,omitempty"`
	// Privileged is set when the OS vouches for full rights: on Windows, a
	// caller running as SYSTEM or as an elevated administrator.
	Privileged bool `json:"privileged,omitempty"`
	// Interactive is set on Windows for a person logged on at the machine
	// who is neither SYSTEM nor an elevated administrator: may read.
	Interactive bool `json:"interactive,omitempty"`
	// CanElevate is set on Windows for a member of Administrators whose
	// process is not elevated (UAC): run as administrator, it could write.
	CanElevate bool `json:"canElevate,omitempty"`
}

func (p Peer) String() string {
	switch {
	case p.UID < 0 && (p.User != "" || p.SID != ""):
		who := p.User
		if who == "" {
			who = p.SID
		}
		if p.PID > 0 {
			return fmt.Sprintf("%s (pid %d, %s)", who, p.PID, p.windowsRole())
		}
		return fmt.Sprintf("%s (%s)", who, p.windowsRole())
	case p.Privileged && p.UID < 0:
		return "pipe client (SYSTEM or Administrators)"
	case p.PID > 0:
		return fmt.Sprintf("uid %d (pid %d)", p.UID, p.PID)
	default:
		return fmt.Sprintf("uid %d", p.UID)
	}
}

// Policy decides what a peer may do. The service's own user and root (and
// privileged pipe clients on Windows) get read-write; members of ReadGIDs
// (and interactive pipe clients on Windows) get read; everyone else nothing.
type Policy struct {
	// OwnerUID is the uid the service runs as; -1 admits no uid as owner.
	OwnerUID int
	// OwnerSID is, on Windows, the SID of the account the server runs as:
	// that account's own processes may read and write (for the service,
	// LocalSystem, which is privileged anyway; for the desktop demo on its
	// ProcessPipeName, the user who started it). "" admits no SID as owner.
	OwnerSID string
	// ReadGIDs are groups whose members may read status, config and logs but
	// change nothing. Empty today; it is here so an "observers" group can be
	// admitted without restructuring. Note the socket is 0600, so such a
	// group also needs the socket's mode and group changed.
	ReadGIDs []int
}

// DefaultPolicy admits the current process's user and root (on Windows, its
// account).
func DefaultPolicy() Policy {
	return Policy{OwnerUID: os.Getuid(), OwnerSID: processSID()}
}

// Permission returns what peer may do.
func (p Policy) Permission(peer Peer) Permission {
	if peer.Privileged {
		return PermReadWrite
	}
	if peer.UID < 0 {
		if p.OwnerSID != "" && peer.SID == p.OwnerSID {
			return PermReadWrite
		}
		if peer.Interactive {
			return PermRead // Windows: a logged-on user without admin rights here
		}
		return PermNone // unknown caller: never match OwnerUID -1
	}
	if peer.UID == 0 || peer.UID == p.OwnerUID {
		return PermReadWrite
	}
	for _, g := range peer.GIDs {
		if slices.Contains(p.ReadGIDs, g) {
			return PermRead
		}
	}
	return PermNone
}

type peerKey struct{}

// peerInfo is what the connection's context carries: the peer, or why it
// could not be identified.
type peerInfo struct {
	peer Peer
	err  error
}

type permKey struct{}

// WithPeer returns ctx carrying peer as the request's caller. The server sets
// it for every connection it accepts; tests calling ServeHTTP directly set it
// themselves.
func WithPeer(ctx context.Context, peer Peer) context.Context {
	return context.WithValue(ctx, peerKey{}, peerInfo{peer: peer})
}

func withPeerError(ctx context.Context, err error) context.Context {
	return context.WithValue(ctx, peerKey{}, peerInfo{err: err})
}

// PeerFromContext returns the caller of the request whose context ctx is.
func PeerFromContext(ctx context.Context) (Peer, bool) {
	pi, ok := ctx.Value(peerKey{}).(peerInfo)
	if !ok || pi.err != nil {
		return Peer{}, false
	}
	return pi.peer, true
}

// PermissionFromContext returns the permission the server granted the
// request whose context ctx is; PermNone outside a request.
func PermissionFromContext(ctx context.Context) Permission {
	p, _ := ctx.Value(permKey{}).(Permission)
	return p
}
