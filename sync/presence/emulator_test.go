package presence

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/emulator"
	"github.com/calsync/calsync/sync/graph"
	"github.com/calsync/calsync/sync/onecloud"
	"github.com/calsync/calsync/sync/retry"
)

// office is the real Graph and OneCloud clients against both emulators,
// sharing one fake clock.
type office struct {
	t     *testing.T
	clk   *clock.Fake
	graph *emulator.Graph
	oc    *emulator.OneCloud
	gc    *graph.Client
	occ   *onecloud.Client
	cfg   *config.Config
	path  string
}

func newOffice(t *testing.T, cfg *config.Config) *office {
	t.Helper()
	o := &office{t: t, clk: clock.NewFake(t0), cfg: cfg, path: filepath.Join(t.TempDir(), "state.json")}
	o.graph = emulator.NewGraph(emulator.GraphOptions{Clock: o.clk})
	gURL, stopG := o.graph.Start()
	t.Cleanup(stopG)
	o.oc = emulator.NewOneCloud(emulator.OneCloudOptions{Token: "oc-token", Clock: o.clk})
	ocURL, stopOC := o.oc.Start()
	t.Cleanup(stopOC)

	// One attempt per request: no backoff sleeps on the fake clock.
	once := retry.Policy{MaxAttempts: 1}
	var err error
	o.gc, err = graph.New(graph.Options{
		TenantID: emulator.GraphDefaultTenantID, ClientID: emulator.GraphDefaultClientID,
		ClientSecret: emulator.GraphDefaultClientSecret, SyncUser: emulator.GraphDefaultSyncUser,
		AuthorityURL: gURL, GraphURL: gURL, Clock: o.clk, Retry: once,
	})
	if err != nil {
		t.Fatal(err)
	}
	o.occ, err = onecloud.New(onecloud.Options{BaseURL: ocURL, Token: "oc-token", Clock: o.clk, Retry: once})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func (o *office) engine() *Engine {
	o.t.Helper()
	e, err := New(o.cfg, Deps{Schedules: o.gc, OneCloud: o.occ, Catalog: o.occ},
		Options{StatePath: o.path, Clock: o.clk, Location: time.UTC})
	if err != nil {
		o.t.Fatal(err)
	}
	return e
}

func (o *office) presence(id string) string {
	p, _ := o.oc.Presence(id)
	return presenceString(onecloud.Presence{Activity: p.Activity, Role: p.Role, Until: p.Until})
}

// The manual-override cases end to end, a restart between cycles, and the
// report's counts, against the Graph and OneCloud emulators with the real
// clients.
func TestAgainstEmulators(t *testing.T) {
	cfg := testConfig(
		user("1001", "anna@contoso.it"),  // meeting in progress: set
		user("1002", "bruno@contoso.it"), // nothing: unchanged
		user("1003", "carla@contoso.it"), // set by hand: kept-manual
		user("1004", "dario@contoso.it"), // loses a 412 race with a person: kept-manual
		user("1005", "ghost@contoso.it"), // unknown mailbox: error
		user("1006", "elena@contoso.it"), // unknown in OneCloud: error (404)
		user("1007", "fabio@contoso.it"), // private appointment: busy, no text
	)
	o := newOffice(t, cfg)
	for _, id := range []string{"1001", "1002", "1003", "1004", "1005", "1007"} {
		if err := o.oc.AddUser(emulator.OneCloudUser{ID: id, Username: "u" + id}); err != nil {
			t.Fatal(err)
		}
	}
	o.graph.SetCalendar("anna@contoso.it", []calendar.Event{ev(calendar.Busy, h10, h11), {Start: h11, End: h12, Status: calendar.Free, Subject: "Focus"}})
	o.graph.SetCalendar("bruno@contoso.it", nil)
	o.graph.SetCalendar("carla@contoso.it", []calendar.Event{ev(calendar.OOF, h10, h12)})
	o.graph.SetCalendar("dario@contoso.it", []calendar.Event{ev(calendar.Busy, h10, h11)})
	o.graph.SetCalendar("elena@contoso.it", []calendar.Event{ev(calendar.Busy, h10, h11)})
	o.graph.SetCalendar("fabio@contoso.it", []calendar.Event{{Start: h10, End: h11, Status: calendar.Busy, Private: true, Subject: "Cardiologist", Location: "Clinic"}})
	if err := o.oc.SetPresenceByHand("1003", emulator.OneCloudPresence{Activity: "away", Role: "mobile"}); err != nil {
		t.Fatal(err)
	}
	o.oc.Race412Next("1004")

	e := o.engine()
	rep, err := e.SyncOnce(context.Background(), false)
	if err != nil {
		t.Fatalf("SyncOnce: %v", err)
	}
	want := map[string]Action{"1001": ActionSet, "1002": ActionUnchanged, "1003": ActionKeptManual,
		"1004": ActionKeptManual, "1005": ActionError, "1006": ActionError, "1007": ActionSet}
	for _, u := range rep.Users {
		if u.Action != want[u.OneCloudUser] {
			t.Errorf("user %s: %s (%s), want %s", u.OneCloudUser, u.Action, u.Error, want[u.OneCloudUser])
		}
	}
	if s := rep.Users[4].Error; !strings.Contains(s, "ghost@contoso.it") {
		t.Errorf("unknown mailbox error = %q", s)
	}
	if s := rep.Users[5].Error; !strings.Contains(s, "404") {
		t.Errorf("unknown OneCloud user error = %q", s)
	}
	if got := ExitCode(rep, err); got != ExitPartial {
		t.Errorf("exit code = %d, want %d", got, ExitPartial)
	}
	for id, wantP := range map[string]string{"1001": "meeting/office/until 11:00", "1002": "available/office",
		"1003": "away/mobile", "1004": "busy/office", "1007": "busy/office/until 11:00"} {
		if got := o.presence(id); got != wantP {
			t.Errorf("presence of %s = %s, want %s", id, got, wantP)
		}
	}
	p, _ := o.oc.Presence("1007")
	if p.Note != "Calendar: busy until 11:00" {
		t.Errorf("private event note = %q", p.Note)
	}
	// 7 mailboxes: one getSchedule. OneCloud: activities, roles, and a
	// presence GET per user that has a calendar (6), one more for the 412;
	// PUTs: 1001, 1007 and 1004's lost race.
	counts := o.oc.Counts()
	if rep.GraphRequests != 1 || rep.OneCloudReads != 9 || rep.OneCloudWrites != 3 {
		t.Errorf("report counts graph %d reads %d writes %d, want 1 9 3", rep.GraphRequests, rep.OneCloudReads, rep.OneCloudWrites)
	}
	if counts.Reads != rep.OneCloudReads || counts.Writes != rep.OneCloudWrites {
		t.Errorf("emulator saw %d reads %d writes; report says %d %d", counts.Reads, counts.Writes, rep.OneCloudReads, rep.OneCloudWrites)
	}
	if n := len(o.oc.Writes()); n != 2 {
		t.Errorf("accepted writes = %d, want 2", n)
	}

	// Restart between cycles: no write, and no presence read except for the
	// user whose read failed (404), retried as every failure is.
	o.oc.ResetCounts()
	e = o.engine()
	o.clk.Advance(time.Minute)
	rep, err = e.SyncOnce(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	counts = o.oc.Counts()
	if counts.Writes != 0 || len(o.oc.Writes()) != 2 {
		t.Errorf("restart caused %d PUTs (%d accepted writes in all)", counts.Writes, len(o.oc.Writes()))
	}
	if n := counts.ByEndpoint[emulator.OneCloudGetPresence]; n != 1 {
		t.Errorf("presence GETs after restart = %d, want 1 (the 404 user)", n)
	}

	// 11:00: the meetings end. 1001 and 1007 go back to the default; the
	// kept-manual users are decided anew (desired changed) and stay manual.
	o.clk.Set(h11)
	rep, err = e.SyncOnce(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	for id, wantP := range map[string]string{"1001": "available/office", "1003": "away/mobile", "1004": "busy/office", "1007": "available/office"} {
		if got := o.presence(id); got != wantP {
			t.Errorf("at 11:00 presence of %s = %s, want %s", id, got, wantP)
		}
	}
	writes := o.oc.Writes()
	if len(writes) != 4 || !writes[2].At.Equal(h11) {
		t.Errorf("writes after 11:00 = %+v", writes)
	}

	// A person returns 1004 to the default; the next change of desired
	// (a new meeting at 11:30) sets it.
	if err := o.oc.SetPresenceByHand("1004", emulator.OneCloudPresence{Activity: "available", Role: "office"}); err != nil {
		t.Fatal(err)
	}
	o.graph.AddEvent("dario@contoso.it", ev(calendar.Busy, h11.Add(30*time.Minute), h12))
	o.clk.Set(h11.Add(30 * time.Minute))
	if _, err := e.SyncOnce(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	if got := o.presence("1004"); got != "meeting/office/until 12:00" {
		t.Errorf("1004 after going back to default = %s", got)
	}
}

// An activity the config names but OneCloud does not know is a config
// error before anything is written, against the emulator's real lists.
func TestAgainstEmulatorsUnknownActivity(t *testing.T) {
	cfg := testConfig(user("1001", "anna@contoso.it"))
	cfg.Rules[2].Activity = "holiday"
	o := newOffice(t, cfg)
	if err := o.oc.AddUser(emulator.OneCloudUser{ID: "1001"}); err != nil {
		t.Fatal(err)
	}
	rep, err := o.engine().SyncOnce(context.Background(), false)
	if ExitCode(rep, err) != ExitConfig || !strings.Contains(err.Error(), `rules[2].activity: unknown OneCloud activity "holiday"; known: available, meeting`) {
		t.Errorf("SyncOnce = %v", err)
	}
	if c := o.oc.Counts(); c.Writes != 0 || c.ByEndpoint[emulator.OneCloudGetPresence] != 0 {
		t.Errorf("calls despite config error: %+v", c)
	}
}
