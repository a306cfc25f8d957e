package presence

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/onecloud"
	"github.com/calsync/calsync/sync/teamspresence"
)

// fakeTeams is a Teams reader whose activities the test sets.
type fakeTeams struct {
	mu       sync.Mutex
	activity map[string]string // lower-cased mailbox -> activity
	fail     error
	reads    int
}

func (f *fakeTeams) set(mailbox, activity string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.activity[strings.ToLower(mailbox)] = activity
}

func (f *fakeTeams) Read(_ context.Context, mailboxes []string) (map[string]teamspresence.Result, teamspresence.Stats, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	out := map[string]teamspresence.Result{}
	for _, m := range mailboxes {
		k := strings.ToLower(m)
		if f.fail != nil {
			out[k] = teamspresence.Result{Err: f.fail}
			continue
		}
		out[k] = teamspresence.Result{Availability: "Busy", Activity: f.activity[k]}
	}
	return out, teamspresence.Stats{Presence: 1}, f.fail
}

func teamsConfig() *config.Config {
	cfg := testConfig(user("1001", "a@contoso.test"))
	cfg.Rules = append([]config.Rule{{Scope: config.ScopeOrganization, Type: config.TypeTeams, Match: "InACall",
		Activity: "busy", Role: "mobile"}}, cfg.Rules...)
	cfg.Teams = &config.Teams{Interval: "5s"}
	return cfg
}

// runTeamsScheduler runs a scheduler for user 1001 (presence available) with the teams config,
// the calendars of g and the Teams reader given, on a fake clock at start, until the test ends;
// before is called before it runs. It returns once the first poll and read are done.
func runTeamsScheduler(t *testing.T, start time.Time, g *fakeGraph, teams TeamsReader, before func(*Scheduler)) (*clock.Fake, *recordingOneCloud, *Scheduler, chan struct{}) {
	t.Helper()
	clk := clock.NewFake(start)
	oc := &recordingOneCloud{fakeOneCloud: newFakeOneCloud(), clk: clk, writes: map[string][]timedWrite{}}
	oc.presence["1001"] = onecloud.Presence{Activity: "available"}
	eng, err := New(teamsConfig(), Deps{Schedules: g, OneCloud: oc, Catalog: oc, Teams: teams},
		Options{Clock: clk, Location: time.UTC, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	s := NewScheduler(eng, SchedulerOptions{MaxSleep: time.Hour})
	if before != nil {
		before(s)
	}
	idle := make(chan struct{})
	s.idle = idle
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	<-idle
	return clk, oc, s, idle
}

// TestSchedulerTeamsCall: a Teams call is written at the first Teams read after it starts (at
// most teams.interval later), a meeting starting during the call changes nothing, and the end
// of the call falls back to the meeting in one write, with no flicker through available.
func TestSchedulerTeamsCall(t *testing.T) {
	start := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	g := newFakeGraph()
	g.set("a@contoso.test", ev(calendar.Busy, start.Add(time.Minute), start.Add(time.Hour)))
	teams := &fakeTeams{activity: map[string]string{"a@contoso.test": "Available"}}
	clk, oc, s, idle := runTeamsScheduler(t, start, g, teams, nil)

	advanceTo := func(t time.Time) {
		for clk.Now().Before(t) {
			next, _ := clk.Next()
			clk.Set(next)
			<-idle
		}
	}
	advanceTo(start.Add(25 * time.Second))
	teams.set("a@contoso.test", "InACall") // the call starts at 09:00:27
	clk.Set(start.Add(27 * time.Second))
	advanceTo(start.Add(2 * time.Minute))
	teams.set("a@contoso.test", "Available") // hangs up at 09:02:01
	clk.Set(start.Add(2*time.Minute + time.Second))
	advanceTo(start.Add(3 * time.Minute))

	want := []timedWrite{{start.Add(30 * time.Second), "busy"}, {start.Add(2*time.Minute + 5*time.Second), "meeting"}}
	if got := oc.writes["1001"]; !sameWrites(got, want) {
		t.Fatalf("writes = %v, want %v", got, want)
	}
	if p := oc.presence["1001"]; p.Activity != "meeting" {
		t.Errorf("presence after the call: %+v", p)
	}
	// 3 minutes at 5 s: 37 reads (start included), and no more (a read per interval, not per wake-up).
	teams.mu.Lock()
	reads := teams.reads
	teams.mu.Unlock()
	if reads < 36 || reads > 38 {
		t.Errorf("%d Teams reads in 3 minutes at 5s; want about 37", reads)
	}
	if st := s.Status(); st.TeamsRead.IsZero() || st.TeamsError != "" {
		t.Errorf("status: %+v", st)
	}
}

// TestSchedulerTeamsFailureFallsBack: when Teams cannot be read the calendar decides, the
// failure is said once, and reads back off to a minute.
func TestSchedulerTeamsFailureFallsBack(t *testing.T) {
	start := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	g := newFakeGraph()
	g.set("a@contoso.test", ev(calendar.Busy, start, start.Add(time.Hour)))
	teams := &fakeTeams{activity: map[string]string{}, fail: errors.New("access denied: Presence.Read.All")}
	var events <-chan Event
	clk, oc, s, idle := runTeamsScheduler(t, start, g, teams, func(s *Scheduler) {
		var unsubscribe func()
		events, unsubscribe = s.Subscribe(1000)
		t.Cleanup(unsubscribe)
	})
	for clk.Now().Before(start.Add(10 * time.Minute)) {
		next, _ := clk.Next()
		clk.Set(next)
		<-idle
	}
	if got := oc.writes["1001"]; len(got) != 1 || got[0].activity != "meeting" {
		t.Errorf("writes = %v, want the meeting only", got)
	}
	teams.mu.Lock()
	reads := teams.reads
	teams.mu.Unlock()
	if reads > 16 {
		t.Errorf("%d Teams reads in 10 failing minutes; the reads must back off to one a minute", reads)
	}
	errs := 0
	for len(events) > 0 {
		if e := <-events; e.Type == EventError && strings.Contains(e.Message, "Presence.Read.All") {
			errs++
		}
	}
	if errs != 1 {
		t.Errorf("%d error events for one lasting failure; want 1", errs)
	}
	if st := s.Status(); !strings.Contains(st.TeamsError, "Presence.Read.All") {
		t.Errorf("status: %+v", st)
	}
}

// TestSyncOnceReportsTeams: sync --once reads Teams before deciding and reports the activity.
func TestSyncOnceReportsTeams(t *testing.T) {
	g := newFakeGraph()
	teams := &fakeTeams{activity: map[string]string{"a@contoso.test": "InACall"}}
	oc := newFakeOneCloud()
	oc.presence["1001"] = onecloud.Presence{Activity: "available"}
	eng, err := New(teamsConfig(), Deps{Schedules: g, OneCloud: oc, Catalog: oc, Teams: teams},
		Options{Clock: clock.NewFake(t0), Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := eng.SyncOnce(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	u := rep.Users[0]
	if u.Activity != "busy" || u.Role != "mobile" || u.TeamsActivity != "InACall" || !u.Until.IsZero() || u.Rule != 0 {
		t.Errorf("report %+v", u)
	}
	data, _ := u.MarshalJSON()
	if !strings.Contains(string(data), `"teamsActivity":"InACall"`) {
		t.Errorf("JSON %s lacks teamsActivity", data)
	}
	if p := oc.presence["1001"]; p.Note != "Teams: in a call" {
		t.Errorf("note %q", p.Note)
	}
}

// TestTeamsPresenceAfterLostState: a presence a teams rule wrote has no until to lapse by; with
// the state lost, its note marks it as calsync's, so the end of the call still replaces it. A
// presence a person set with no such note stays.
func TestTeamsPresenceAfterLostState(t *testing.T) {
	for _, tc := range []struct {
		name, note, want string
	}{
		{"calsync's Teams presence", "Teams: in a call", "available"},
		{"a person's busy", "back at 3", "busy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newFakeGraph()
			teams := &fakeTeams{activity: map[string]string{"a@contoso.test": "Available"}}
			oc := newFakeOneCloud()
			oc.presence["1001"] = onecloud.Presence{Activity: "busy", Note: tc.note} // no state records it
			eng, err := New(teamsConfig(), Deps{Schedules: g, OneCloud: oc, Catalog: oc, Teams: teams},
				Options{Clock: clock.NewFake(t0), Location: time.UTC})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := eng.SyncOnce(context.Background(), false); err != nil {
				t.Fatal(err)
			}
			if got := oc.presence["1001"].Activity; got != tc.want {
				t.Errorf("presence %q, want %q", got, tc.want)
			}
		})
	}
}
