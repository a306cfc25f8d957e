package presence

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/emulator"
	"github.com/calsync/calsync/sync/onecloud"
	"github.com/calsync/calsync/sync/retry"
)

// TestApplyGivesUpWhileOneCloudIsDown: 200 users whose meetings all start
// at 09:00 while OneCloud is down. With the production retry policy (its
// sleeps pass simulated time), the Apply stops calling OneCloud once a
// call has failed after its retries, instead of making every user wait out
// the same retries; the users left are errors, and the next Apply, with
// OneCloud back, writes them all.
func TestApplyGivesUpWhileOneCloudIsDown(t *testing.T) {
	const users = 200
	nine := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	fake := clock.NewFake(nine.Add(-time.Minute))
	sc := &soakClock{fake: fake}
	oc := emulator.NewOneCloud(emulator.OneCloudOptions{Token: "oc-token", Clock: fake})
	ocURL, stop := oc.Start()
	defer stop()
	occ, err := onecloud.New(onecloud.Options{BaseURL: ocURL, Token: "oc-token", Clock: fake, Retry: retry.Policy{Clock: sc}})
	if err != nil {
		t.Fatal(err)
	}
	g := newFakeGraph()
	cfg := testConfig()
	for i := range users {
		id, mb := fmt.Sprint(3000+i), fmt.Sprintf("p%d@contoso.test", i)
		cfg.Users = append(cfg.Users, user(id, mb))
		g.set(mb, ev(calendar.Busy, nine, nine.Add(time.Hour)))
		if err := oc.AddUser(emulator.OneCloudUser{ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	e, err := New(cfg, Deps{Schedules: g, OneCloud: occ, Catalog: occ}, Options{Clock: fake, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := e.SyncOnce(ctx, false); err != nil { // 08:59: all available, nothing to write
		t.Fatal(err)
	}

	oc.Down(true)
	oc.ResetCounts()
	fake.Set(nine)
	rep, err := e.Apply(ctx, nil, nine, false)
	if err != nil {
		t.Fatal(err)
	}
	held := fake.Now().Sub(nine)
	gets := oc.Counts().ByEndpoint[emulator.OneCloudGetPresence]
	skipped := 0
	for _, u := range rep.Users {
		if u.Action != ActionError {
			t.Fatalf("user %s: %s while OneCloud is down", u.OneCloudUser, u.Action)
		}
		if strings.Contains(u.Error, "not tried in this pass") {
			skipped++
		}
	}
	t.Logf("OneCloud down: %d presence GETs for %d users, %d users left for the next pass, Apply held the scheduler %v (simulated)",
		gets, users, skipped, held)
	// At most one user per worker is tried, each with its retries.
	if maxGets := DefaultConcurrency * 5; gets > maxGets || skipped < users-DefaultConcurrency {
		t.Fatalf("%d GETs (want <= %d) and %d users skipped (want >= %d)", gets, maxGets, skipped, users-DefaultConcurrency)
	}

	oc.Down(false)
	fake.Set(nine.Add(time.Minute))
	rep, err = e.Apply(ctx, nil, fake.Now(), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range rep.Users {
		if p, _ := oc.Presence(u.OneCloudUser); u.Action != ActionSet || p.Activity != "meeting" {
			t.Fatalf("after OneCloud came back, user %s: %s (%s), presence %s", u.OneCloudUser, u.Action, u.Error, p.Activity)
		}
	}
}

// TestFailedDecisionLooksAgain: a person's presence with an end, set after
// our last write, lapses; the next change of desired fails (OneCloud
// unreachable) and desired then returns to what we had applied. The next
// decision must still read OneCloud and replace the lapsed presence rather
// than trust the old record (found by the soak, seed 3).
func TestFailedDecisionLooksAgain(t *testing.T) {
	h := newHarness(t, testConfig(user("1001", "a@contoso.it")))
	h.oc.presence["1001"] = onecloud.Presence{Activity: "available", Role: "office"}
	h.g.set("a@contoso.it", ev(calendar.Busy, h11, h11.Add(15*time.Minute)))
	h.sync(false) // 10:15: available, recorded as applied
	h.oc.setByHand("1001", onecloud.Presence{Activity: "away", Role: "office", Until: t0.Add(15 * time.Minute)})

	h.clk.Set(h11) // the meeting starts; the hand presence has lapsed, but OneCloud fails
	h.oc.mu.Lock()
	h.oc.getErr["1001"] = retry.Transient(errors.New("onecloud unreachable"), 0)
	h.oc.mu.Unlock()
	if rep := h.sync(false); rep.Users[0].Action != ActionError {
		t.Fatalf("at 11:00 with OneCloud failing: %s", rep.Users[0].Action)
	}
	h.oc.mu.Lock()
	delete(h.oc.getErr, "1001")
	h.oc.mu.Unlock()

	h.clk.Set(h11.Add(15 * time.Minute)) // the meeting is over: desired is available again
	rep := h.sync(false)
	if got := h.oc.get("1001"); rep.Users[0].Action != ActionSet || got.Activity != "available" || !got.Until.IsZero() {
		t.Fatalf("after the failure: %s, presence %s", rep.Users[0].Action, presenceString(got))
	}
}
