package localapi

import (
	"context"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/windows"
)

// A client of a pipe made by Listen is identified by its process token: this
// test process, its own account, and the permission its token earns.
func TestPeerCredentialsOnPipe(t *testing.T) {
	name := fmt.Sprintf(`\\.\pipe\calsync-test-%d-%d`, os.Getpid(), time.Now().UnixNano())
	l, err := Listen(name)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client, err := Dial(ctx, name)
	if err != nil {
		t.Fatalf("Dial with the interactive users' rights: %v", err)
	}
	defer client.Close()
	server, ok := <-accepted
	if !ok {
		t.Fatal("Accept failed")
	}
	defer server.Close()

	peer, err := PeerCredentials(server)
	if err != nil {
		t.Fatal(err)
	}
	if peer.PID != os.Getpid() || peer.UID != -1 {
		t.Errorf("peer = %+v, want this process (pid %d)", peer, os.Getpid())
	}
	tok := windows.GetCurrentProcessToken()
	tu, err := tok.GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	if peer.SID != tu.User.Sid.String() {
		t.Errorf("peer SID %q, want %q", peer.SID, tu.User.Sid.String())
	}
	// What this process earns depends on how the test runs (elevated or
	// not, interactive or a service account); what must hold everywhere is
	// that a process without elevation never gets read-write.
	got := (Policy{OwnerUID: -1}).Permission(peer)
	if !tok.IsElevated() && !tu.User.Sid.IsWellKnown(windows.WinLocalSystemSid) && got == PermReadWrite {
		t.Errorf("a non-elevated process got %v: %s", got, peer)
	}
	t.Logf("this process is %s", peer)
}
