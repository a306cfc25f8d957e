package localapi

import (
	"context"
	"net/http"
)

// Caller is what the service says about the caller of GET whoami: what it may
// do, who the OS says it is, and whether restarting it elevated would let it
// change settings. The GUI asks once it reaches the service, so a user who
// may only read learns it before a change is refused, not from the refusal.
type Caller struct {
	// Permission is "read" or "read-write" (Permission.String); a caller the
	// service admits nothing is refused before it can ask.
	Permission string `json:"permission"`
	// Peer describes the caller as the service's log names it (Peer.String):
	// "uid 1000 (pid 42)", `CONTOSO\anna (pid 7, administrator, not elevated)`.
	Peer string `json:"peer"`
	// CanElevate is set for a caller that may only read now but would write
	// if run as administrator (Windows, UAC).
	CanElevate bool `json:"canElevate"`
}

// CanWrite reports whether the caller may change settings. A permission this
// client does not know (from a newer service) counts as no.
func (c Caller) CanWrite() bool { return c.Permission == PermReadWrite.String() }

// WhoAmIer is what can say what its caller may do: *Client asks the service.
// It is apart from Backend so that a backend without the question (an engine
// run in the GUI's own process, where the user may do everything, and the
// fakes of tests) need not answer it; check for it with a type assertion.
type WhoAmIer interface {
	WhoAmI(ctx context.Context) (Caller, error)
}

var _ WhoAmIer = (*Client)(nil)

// callerFor is the whoami answer for peer, granted perm.
func callerFor(peer Peer, perm Permission) Caller {
	return Caller{
		Permission: perm.String(),
		Peer:       peer.String(),
		// Only a reader gains by elevating; a writer has all there is.
		CanElevate: peer.CanElevate && !perm.CanWrite(),
	}
}

// serveWhoAmI answers from the connection's peer and the permission the
// checks granted; the backend plays no part.
func (s *Server) serveWhoAmI(w http.ResponseWriter, r *http.Request, _ string) {
	peer, ok := PeerFromContext(r.Context())
	if !ok {
		// serve refuses unidentified callers before this; never guess.
		writeError(w, http.StatusForbidden, CodePeerRefused, "the calling user could not be identified")
		return
	}
	writeJSON(w, http.StatusOK, callerFor(peer, PermissionFromContext(r.Context())))
}

// WhoAmI asks the service what this client may do. A service older than the
// endpoint answers 404 (an *APIError with Code CodeNotFound).
func (c *Client) WhoAmI(ctx context.Context) (Caller, error) {
	var who Caller
	err := c.do(ctx, c.timeout(), http.MethodGet, "whoami", nil, &who)
	return who, err
}
