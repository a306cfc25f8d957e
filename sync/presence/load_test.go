package presence

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/emulator"
	"github.com/calsync/calsync/sync/graph"
	"github.com/calsync/calsync/sync/onecloud"
)

// loadUsers is the size of the office in the load test and benchmark.
const loadUsers = 5000

// loadOffice is loadUsers people, each with a meeting in progress at the
// first cycle, against both emulators on loopback with the real clients.
// latency is added to every Graph and OneCloud request.
type loadOffice struct {
	graph *emulator.Graph
	oc    *emulator.OneCloud
	eng   *Engine
}

func newLoadOffice(tb testing.TB, clk clock.Clock, latency time.Duration) *loadOffice {
	tb.Helper()
	now := clock.OrReal(clk).Now()
	g := emulator.NewGraph(emulator.GraphOptions{Clock: clk, Latency: latency})
	gURL, stopG := g.Start()
	tb.Cleanup(stopG)
	oc := emulator.NewOneCloud(emulator.OneCloudOptions{Token: "oc-token", Clock: clk})
	oc.Latency(latency)
	ocURL, stopOC := oc.Start()
	tb.Cleanup(stopOC)
	cfg := testConfig()
	for i := range loadUsers {
		id, mb := fmt.Sprint(100000+i), fmt.Sprintf("u%d@contoso.test", i)
		cfg.Users = append(cfg.Users, user(id, mb))
		if err := oc.AddUser(emulator.OneCloudUser{ID: id, Email: mb}); err != nil {
			tb.Fatal(err)
		}
		s := now.Add(-time.Duration(i%30) * time.Minute).Truncate(time.Second)
		g.SetCalendar(mb, []calendar.Event{{Start: s, End: s.Add(time.Hour), Status: calendar.Busy, Subject: "Meeting"}})
	}
	// Enough idle connections that 4 parallel requests never redial.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 8
	tb.Cleanup(tr.CloseIdleConnections)
	gc, err := graph.New(graph.Options{
		TenantID: emulator.GraphDefaultTenantID, ClientID: emulator.GraphDefaultClientID,
		ClientSecret: emulator.GraphDefaultClientSecret, SyncUser: emulator.GraphDefaultSyncUser,
		AuthorityURL: gURL, GraphURL: gURL, Clock: clk, HTTPClient: &http.Client{Transport: tr, Timeout: time.Minute},
	})
	if err != nil {
		tb.Fatal(err)
	}
	occ, err := onecloud.New(onecloud.Options{BaseURL: ocURL, Token: "oc-token", Clock: clk,
		HTTPClient: &http.Client{Transport: tr, Timeout: time.Minute}})
	if err != nil {
		tb.Fatal(err)
	}
	eng, err := New(cfg, Deps{Schedules: gc, OneCloud: occ, Catalog: occ}, Options{Clock: clk, Location: time.UTC})
	if err != nil {
		tb.Fatal(err)
	}
	return &loadOffice{graph: g, oc: oc, eng: eng}
}

// TestLoad5000 checks the counts of full cycles for 5000 users, each of
// whom needs a write: Graph sees ceil(5000/20) = 250 getSchedule requests
// per cycle, never more than 4 at once, none throttled, and far fewer than
// Outlook's 10,000 per 10 minutes for the synchronization mailbox even at
// a 1-minute interval; OneCloud sees one GET and one PUT per user in the
// first cycle and nothing in the second. Timing is for the benchmark.
func TestLoad5000(t *testing.T) {
	if testing.Short() {
		t.Skip("5000 users: skipped with -short")
	}
	clk := clock.NewFake(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	o := newLoadOffice(t, clk, 0)
	ctx := context.Background()
	for cycle := 1; cycle <= 2; cycle++ {
		o.graph.ResetStats()
		o.oc.ResetCounts()
		rep, err := o.eng.SyncOnce(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		gs, oc := o.graph.Stats(), o.oc.Counts()
		wantRequests := int64((loadUsers + 19) / 20)
		if gs.ScheduleRequests != wantRequests || gs.MaxInFlight > 4 || gs.Throttled != 0 || gs.MaxBatch != 20 {
			t.Errorf("cycle %d: %d getSchedule requests (want %d), %d in flight at most (want <= 4), %d throttled, batches of %d",
				cycle, gs.ScheduleRequests, wantRequests, gs.MaxInFlight, gs.Throttled, gs.MaxBatch)
		}
		if gs.MaxInWindow > emulator.GraphMailboxRequestLimit/10 {
			t.Errorf("cycle %d: %d requests within 10 minutes: a 1-minute interval would pass Outlook's %d",
				cycle, gs.MaxInWindow, emulator.GraphMailboxRequestLimit)
		}
		gets, puts := oc.ByEndpoint[emulator.OneCloudGetPresence], oc.ByEndpoint[emulator.OneCloudPutPresence]
		wantGets, wantPuts := loadUsers, loadUsers
		if cycle == 2 {
			wantGets, wantPuts = 0, 0 // nothing changed: no OneCloud call at all
		}
		if gets != wantGets || puts != wantPuts {
			t.Errorf("cycle %d: %d presence GETs and %d PUTs, want %d and %d", cycle, gets, puts, wantGets, wantPuts)
		}
		for _, u := range rep.Users {
			if u.Action == ActionError {
				t.Fatalf("cycle %d: user %s: %s", cycle, u.OneCloudUser, u.Error)
			}
		}
		clk.Advance(time.Minute)
	}
}
