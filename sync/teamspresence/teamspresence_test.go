package teamspresence

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/emulator"
	"github.com/calsync/calsync/sync/graph"
)

type fixture struct {
	emu    *emulator.Graph
	client *graph.Client
	clock  *clock.Fake
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	fc := clock.NewFake(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	emu := emulator.NewGraph(emulator.GraphOptions{Clock: fc})
	u, stop := emu.Start()
	t.Cleanup(stop)
	c, err := graph.New(graph.Options{TenantID: emulator.GraphDefaultTenantID, ClientID: emulator.GraphDefaultClientID,
		ClientSecret: emulator.GraphDefaultClientSecret, SyncUser: emulator.GraphDefaultSyncUser,
		AuthorityURL: u, GraphURL: u, Clock: fc})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{emu: emu, client: c, clock: fc}
}

func (f *fixture) office(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	for i := range n {
		mb := fmt.Sprintf("User%05d@contoso.com", i)
		activity := "Available"
		if i%3 == 0 {
			activity = "InACall"
		}
		if err := f.emu.SetTeamsPresence(mb, "Busy", activity); err != nil {
			t.Fatal(err)
		}
		out = append(out, mb)
	}
	return out
}

// TestReadLooksUpOnceAndKeepsTheIDs: the first read of 1,301 users looks up every id (66
// $batch requests) and reads presence in 3 requests; later reads, and a reader opened again on
// the same state file, read presence only.
func TestReadLooksUpOnceAndKeepsTheIDs(t *testing.T) {
	f := newFixture(t)
	mailboxes := f.office(t, 1301)
	path := filepath.Join(t.TempDir(), StateFileName)
	r, err := New(f.client, Options{StatePath: path, Clock: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	got, st, err := r.Read(ctx, mailboxes)
	if err != nil || st.Lookups != 1301 || st.Presence != 3 {
		t.Fatalf("first read: %v, stats %+v", err, st)
	}
	for i, mb := range mailboxes {
		want := "Available"
		if i%3 == 0 {
			want = "InACall"
		}
		if res := got[strings.ToLower(mb)]; res.Err != nil || res.Activity != want || res.Availability != "Busy" {
			t.Fatalf("%s: %+v, want %s", mb, res, want)
		}
	}
	if es := f.emu.Stats(); es.BatchRequests != 66 || es.PresenceRequests != 3 {
		t.Errorf("emulator: %d batches, %d presence requests; want 66 and 3", es.BatchRequests, es.PresenceRequests)
	}

	f.emu.ResetStats()
	if _, st, err := r.Read(ctx, mailboxes); err != nil || st.Lookups != 0 || st.Presence != 3 {
		t.Errorf("second read: %v, stats %+v", err, st)
	}
	again, err := New(f.client, Options{StatePath: path, Clock: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	if _, st, err := again.Read(ctx, mailboxes); err != nil || st.Lookups != 0 {
		t.Errorf("a reader on the saved state: %v, stats %+v", err, st)
	}
	if es := f.emu.Stats(); es.BatchRequests != 0 || es.PresenceRequests != 6 {
		t.Errorf("after the first read: %d batches, %d presence requests; want 0 and 6", es.BatchRequests, es.PresenceRequests)
	}
}

// TestUnknownMailboxIsItsOwnError: a mailbox with no user is that user's error, looked up again
// only after RetryLookup; a user added later is looked up alone.
func TestUnknownMailboxIsItsOwnError(t *testing.T) {
	f := newFixture(t)
	mailboxes := f.office(t, 3)
	r, err := New(f.client, Options{Clock: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	in := append(mailboxes, "ghost@contoso.com")
	got, _, err := r.Read(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	var ge *graph.Error
	if res := got["ghost@contoso.com"]; !errors.As(res.Err, &ge) || ge.Kind != graph.KindMailboxNotFound {
		t.Errorf("ghost: %+v", res)
	}
	if res := got[strings.ToLower(mailboxes[0])]; res.Err != nil || res.Activity != "InACall" {
		t.Errorf("a known user beside the ghost: %+v", res)
	}
	if _, st, _ := r.Read(ctx, in); st.Lookups != 0 {
		t.Errorf("the ghost was looked up again at once: %+v", st)
	}
	f.clock.Advance(RetryLookup)
	f.emu.SetTeamsPresence("ghost@contoso.com", "Away", "Away") // the mailbox now exists
	got, st, _ := r.Read(ctx, append(in, "new@contoso.com"))
	if st.Lookups != 2 || got["ghost@contoso.com"].Activity != "Away" {
		t.Errorf("a minute later: stats %+v, ghost %+v", st, got["ghost@contoso.com"])
	}
}

// TestMissingPermissionFailsTheRead: without Presence.Read.All (or User.Read.All) the read fails
// as a whole, with the permission's remedy, in one request.
func TestMissingPermissionFailsTheRead(t *testing.T) {
	f := newFixture(t)
	mailboxes := f.office(t, 30)
	ctx := context.Background()

	f.emu.SetUserReadConsent(false)
	r, _ := New(f.client, Options{Clock: f.clock})
	got, _, err := r.Read(ctx, mailboxes)
	var ge *graph.Error
	if !errors.As(err, &ge) || ge.Remedy != graph.UserLookupRemedy || got[strings.ToLower(mailboxes[29])].Err == nil {
		t.Fatalf("without User.Read.All: %v", err)
	}
	if n := f.emu.Stats().BatchRequests; n != 1 {
		t.Errorf("%d $batch requests without consent; want 1", n)
	}

	f.emu.SetUserReadConsent(true)
	f.emu.SetPresenceConsent(false)
	f.clock.Advance(RetryLookup)
	_, _, err = r.Read(ctx, mailboxes)
	if !errors.As(err, &ge) || ge.Remedy != graph.PresenceAccessRemedy {
		t.Fatalf("without Presence.Read.All: %v", err)
	}
}
