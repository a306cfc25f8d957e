package graph_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/graph"
)

// seedTeams makes n mailboxes with a Teams presence each and returns their addresses.
func seedTeams(t *testing.T, e *env, n int) []string {
	t.Helper()
	activities := []string{"InACall", "Available", "Presenting", "Away"}
	var mailboxes []string
	for i := range n {
		mb := fmt.Sprintf("user%05d@contoso.com", i)
		if err := e.emu.SetTeamsPresence(mb, "Busy", activities[i%len(activities)]); err != nil {
			t.Fatal(err)
		}
		mailboxes = append(mailboxes, mb)
	}
	return mailboxes
}

// TestLookupAndPresenceCounts: 1,301 users are ceil(1301/20) = 66 $batch lookups and
// ceil(1301/650) = 3 presence requests, each presence the user's own.
func TestLookupAndPresenceCounts(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	mailboxes := seedTeams(t, e, 1301)
	ids, err := e.client.LookupUserIDs(ctx, append(mailboxes, strings.ToUpper(mailboxes[0])))
	if err != nil {
		t.Fatal(err)
	}
	var objectIDs []string
	for i, u := range ids[:len(mailboxes)] {
		if u.Err != nil || u.ID != e.emu.UserObjectID(mailboxes[i]) {
			t.Fatalf("lookup %s = %+v, want id %s", mailboxes[i], u, e.emu.UserObjectID(mailboxes[i]))
		}
		objectIDs = append(objectIDs, u.ID)
	}
	if last := ids[len(ids)-1]; last.ID != ids[0].ID {
		t.Errorf("a mailbox given twice (other case) got %+v, want the first's id", last)
	}
	got, err := e.client.GetPresences(ctx, objectIDs)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range got {
		want := []string{"InACall", "Available", "Presenting", "Away"}[i%4]
		if p.Err != nil || p.Activity != want || p.Availability != "Busy" {
			t.Fatalf("presence %d = %+v, want Busy/%s", i, p, want)
		}
	}
	st := e.emu.Stats()
	if st.BatchRequests != 66 || st.UserLookups != 1301 || st.PresenceRequests != 3 || st.MaxPresenceIDs != 650 {
		t.Errorf("emulator saw %d batches, %d lookups, %d presence requests (largest %d ids); want 66, 1301, 3, 650",
			st.BatchRequests, st.UserLookups, st.PresenceRequests, st.MaxPresenceIDs)
	}
	if cs := e.client.Stats(); cs.LookupRequests != 66 || cs.PresenceRequests != 3 || cs.TokenRequests != 1 {
		t.Errorf("client stats = %+v", cs)
	}
}

// TestLookupUnknownUserIsThatUsersError: a 404 inside the batch fails only its own lookup.
func TestLookupUnknownUserIsThatUsersError(t *testing.T) {
	e := newEnv(t)
	mailboxes := seedTeams(t, e, 3)
	in := []string{mailboxes[0], "nobody@contoso.com", mailboxes[2], ""}
	got, err := e.client.LookupUserIDs(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	var ge *graph.Error
	if !errors.As(got[1].Err, &ge) || ge.Kind != graph.KindMailboxNotFound || ge.Code != "Request_ResourceNotFound" ||
		!strings.Contains(ge.Remedy, "nobody@contoso.com") {
		t.Errorf("unknown user: %+v", got[1].Err)
	}
	if got[0].ID == "" || got[2].ID == "" || got[0].Err != nil || got[2].Err != nil {
		t.Errorf("the other users: %+v %+v", got[0], got[2])
	}
	if got[3].Err == nil {
		t.Error("an empty mailbox has no error")
	}
}

// TestPresencePermissionsHaveTheirRemedies: without consent each call fails once, not per
// batch, with the permission to grant.
func TestPresencePermissionsHaveTheirRemedies(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	mailboxes := seedTeams(t, e, 45)
	ids, err := e.client.LookupUserIDs(ctx, mailboxes)
	if err != nil {
		t.Fatal(err)
	}
	objectIDs := make([]string, len(ids))
	for i, u := range ids {
		objectIDs[i] = u.ID
	}

	e.emu.SetUserReadConsent(false)
	e.emu.ResetStats()
	got, err := e.client.LookupUserIDs(ctx, mailboxes)
	var ge *graph.Error
	if !errors.As(err, &ge) || ge.Kind != graph.KindAccessDenied || ge.Remedy != graph.UserLookupRemedy {
		t.Fatalf("lookup without User.Read.All: %v", err)
	}
	if got[44].Err == nil || e.emu.Stats().BatchRequests != 1 {
		t.Errorf("without consent: last user %+v, %d batches sent (want 1)", got[44], e.emu.Stats().BatchRequests)
	}

	e.emu.SetPresenceConsent(false)
	pres, err := e.client.GetPresences(ctx, append(objectIDs, strings.Repeat("0", 8)+"-0000-0000-0000-"+strings.Repeat("0", 12)))
	if !errors.As(err, &ge) || ge.Kind != graph.KindAccessDenied || ge.Remedy != graph.PresenceAccessRemedy || ge.Status != 403 {
		t.Fatalf("presence without Presence.Read.All: %v", err)
	}
	if pres[0].Err == nil || e.emu.Stats().PresenceRequests != 1 {
		t.Errorf("denied presence: %+v, %d requests", pres[0], e.emu.Stats().PresenceRequests)
	}
}

// TestPresenceThrottleHonoursRetryAfter: beyond the per-app limit the emulator answers 429 with
// the wait left in the window, and the client waits exactly that before it asks again.
func TestPresenceThrottleHonoursRetryAfter(t *testing.T) {
	e := newEnv(t)
	e.autoAdvance(t)
	ctx := context.Background()
	mailboxes := seedTeams(t, e, 2)
	ids, err := e.client.LookupUserIDs(ctx, mailboxes)
	if err != nil {
		t.Fatal(err)
	}
	e.emu.SetPresenceRequestLimit(1, 30*time.Second)
	if _, err := e.client.GetPresences(ctx, []string{ids[0].ID}); err != nil {
		t.Fatal(err)
	}
	start := e.clock.Now()
	got, err := e.client.GetPresences(ctx, []string{ids[1].ID})
	if err != nil || got[0].Activity != "Available" {
		t.Fatalf("after the throttle: %v %+v", err, got)
	}
	if waited := e.clock.Now().Sub(start); waited != 30*time.Second {
		t.Errorf("waited %s, want the 30s Retry-After", waited)
	}
	if st := e.emu.Stats(); st.PresenceRequests != 3 || st.Throttled != 1 {
		t.Errorf("emulator stats = %+v", st)
	}
}
