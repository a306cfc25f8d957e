package localapi

import (
	"context"
	"errors"
	"os"
	"testing"
)

func TestPolicyPermission(t *testing.T) {
	tests := []struct {
		name   string
		policy Policy
		peer   Peer
		want   Permission
	}{
		{"owner", Policy{OwnerUID: 1000}, Peer{UID: 1000}, PermReadWrite},
		{"root", Policy{OwnerUID: 1000}, Peer{UID: 0}, PermReadWrite},
		{"service as root, root caller", Policy{OwnerUID: 0}, Peer{UID: 0}, PermReadWrite},
		{"service as root, user caller", Policy{OwnerUID: 0}, Peer{UID: 1000}, PermNone},
		{"other user", Policy{OwnerUID: 1000}, Peer{UID: 1001}, PermNone},
		{"nobody", Policy{OwnerUID: 1000}, Peer{UID: 65534, GIDs: []int{65534}}, PermNone},
		{"unknown uid never matches owner -1", Policy{OwnerUID: -1}, Peer{UID: -1}, PermNone},
		{"unknown uid", Policy{OwnerUID: 1000}, Peer{UID: -1}, PermNone},
		{"privileged pipe client", Policy{OwnerUID: -1}, Peer{UID: -1, Privileged: true}, PermReadWrite},
		{"read group, primary", Policy{OwnerUID: 1000, ReadGIDs: []int{50}}, Peer{UID: 2000, GIDs: []int{50}}, PermRead},
		{"read group, supplementary", Policy{OwnerUID: 1000, ReadGIDs: []int{50, 60}}, Peer{UID: 2000, GIDs: []int{20, 60}}, PermRead},
		{"not in read group", Policy{OwnerUID: 1000, ReadGIDs: []int{50}}, Peer{UID: 2000, GIDs: []int{51}}, PermNone},
		{"owner in read group still writes", Policy{OwnerUID: 1000, ReadGIDs: []int{50}}, Peer{UID: 1000, GIDs: []int{50}}, PermReadWrite},
		{"negative uid in read group", Policy{OwnerUID: 1000, ReadGIDs: []int{50}}, Peer{UID: -1, GIDs: []int{50}}, PermNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.policy.Permission(tt.peer); got != tt.want {
				t.Errorf("Permission(%+v) = %v, want %v", tt.peer, got, tt.want)
			}
		})
	}
}

func TestPermissionMethods(t *testing.T) {
	for _, tt := range []struct {
		p           Permission
		read, write bool
		s           string
	}{
		{PermNone, false, false, "none"},
		{PermRead, true, false, "read"},
		{PermReadWrite, true, true, "read-write"},
		{Permission(9), true, true, "Permission(9)"},
	} {
		if tt.p.CanRead() != tt.read || tt.p.CanWrite() != tt.write || tt.p.String() != tt.s {
			t.Errorf("%d: read %v write %v %q", int(tt.p), tt.p.CanRead(), tt.p.CanWrite(), tt.p.String())
		}
	}
}

func TestDefaultPolicyIsCurrentUser(t *testing.T) {
	p := DefaultPolicy()
	if p.OwnerUID != os.Getuid() || len(p.ReadGIDs) != 0 {
		t.Errorf("DefaultPolicy() = %+v", p)
	}
}

func TestPeerContext(t *testing.T) {
	ctx := context.Background()
	if _, ok := PeerFromContext(ctx); ok {
		t.Error("peer in empty context")
	}
	if PermissionFromContext(ctx) != PermNone {
		t.Error("permission in empty context")
	}
	want := Peer{UID: 7, GIDs: []int{8}, PID: 9}
	got, ok := PeerFromContext(WithPeer(ctx, want))
	if !ok || got.UID != 7 || got.PID != 9 || len(got.GIDs) != 1 {
		t.Errorf("PeerFromContext = %+v, %v", got, ok)
	}
	if _, ok := PeerFromContext(withPeerError(ctx, errors.New("x"))); ok {
		t.Error("unidentified peer reported as known")
	}
}

func TestPeerString(t *testing.T) {
	for _, tt := range []struct {
		p    Peer
		want string
	}{
		{Peer{UID: 1000}, "uid 1000"},
		{Peer{UID: 1000, PID: 42}, "uid 1000 (pid 42)"},
		{Peer{UID: -1, Privileged: true}, "pipe client (SYSTEM or Administrators)"},
	} {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.p, got, tt.want)
		}
	}
}

func TestPipeName(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`C:\ProgramData\calsync\calsync.sock`, DefaultPipeName},
		{"", DefaultPipeName},
		{`\\.\pipe\calsync-test-1`, `\\.\pipe\calsync-test-1`},
	} {
		if got := PipeName(tt.in); got != tt.want {
			t.Errorf("PipeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
