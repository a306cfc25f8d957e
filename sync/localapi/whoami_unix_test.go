//go:build unix

package localapi

import (
	"context"
	"errors"
	"net"
	"os"
	"testing"
)

// TestClientWhoAmI asks over a real socket, as the service's own user (the
// kernel's answer) and as a member of a read-only group (Identify plays it).
func TestClientWhoAmI(t *testing.T) {
	t.Run("owner", func(t *testing.T) {
		s := serve(t, newFake(), ServerOptions{})
		who, err := s.client.WhoAmI(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !who.CanWrite() || who.Permission != "read-write" || who.CanElevate || who.Peer == "" {
			t.Errorf("WhoAmI = %+v", who)
		}
	})
	t.Run("reader", func(t *testing.T) {
		s := serve(t, newFake(), ServerOptions{
			Identify: func(net.Conn) (Peer, error) { return Peer{UID: 4242, GIDs: []int{99}, PID: 17}, nil },
			Policy:   &Policy{OwnerUID: os.Getuid(), ReadGIDs: []int{99}},
		})
		who, err := s.client.WhoAmI(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if want := (Caller{Permission: "read", Peer: "uid 4242 (pid 17)"}); who != want {
			t.Errorf("WhoAmI = %+v, want %+v", who, want)
		}
	})
	t.Run("stranger", func(t *testing.T) {
		s := serve(t, newFake(), ServerOptions{Identify: func(net.Conn) (Peer, error) { return Peer{UID: 4242}, nil }})
		var ae *APIError
		if _, err := s.client.WhoAmI(context.Background()); !errors.As(err, &ae) || ae.Code != CodePeerRefused {
			t.Errorf("WhoAmI error %v, want peer_refused", err)
		}
	})
}
