package presence

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/emulator"
	"github.com/calsync/calsync/sync/workhours"
)

// workingHoursConfig is testConfig with "outside working hours -> gone-home"
// after the event rules.
func workingHoursConfig(users ...config.User) *config.Config {
	cfg := testConfig(users...)
	cfg.Rules = append(cfg.Rules, config.Rule{Scope: config.ScopeOrganization, Type: config.TypeWorkingHours,
		Match: "outside", Activity: "gone-home"})
	return cfg
}

// everyDay is 08:00-17:00 W. Europe Standard Time, seven days a week, so
// that the Sundays of the DST changes are working days.
func everyDay() *workhours.Graph {
	g := emulator.DefaultWorkingHours()
	g.DaysOfWeek = []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}
	return &g
}

// TestWorkingHoursAcrossDayEndAndStart runs the engine against the
// emulators on a fake clock across a working day's end and the next start
// (08:00-17:00 W. Europe Standard Time): the boundary is found to the
// second, the presence is written then with until = the next start, and
// working hours cost no request beyond the poll's one getSchedule. A user
// without working hours and one with an unknown zone keep the default, the
// latter with a warning and no error.
func TestWorkingHoursAcrossDayEndAndStart(t *testing.T) {
	utc := func(mo time.Month, d, h int) time.Time { return time.Date(2026, mo, d, h, 0, 0, 0, time.UTC) }
	tests := []struct {
		name      string
		wh        *workhours.Graph
		end, next time.Time // the day's end and the next start, in UTC
		note      string
	}{
		{"winter Monday", nil, utc(12, 7, 16), utc(12, 8, 7), "Outside working hours until Tue 8 Dec 07:00"},
		{"summer Monday", nil, utc(3, 30, 15), utc(3, 31, 6), "Outside working hours until Tue 31 Mar 06:00"},
		{"spring-forward Sunday", everyDay(), utc(3, 29, 15), utc(3, 30, 6), "Outside working hours until Mon 30 Mar 06:00"},
		{"fall-back Sunday", everyDay(), utc(10, 25, 16), utc(10, 26, 7), "Outside working hours until Mon 26 Oct 07:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := workingHoursConfig(user("1001", "anna@contoso.it"), user("1002", "bruno@contoso.it"), user("1003", "carla@contoso.it"))
			o := newOffice(t, cfg)
			o.clk.Set(tc.end.Add(-2 * time.Minute))
			for _, id := range []string{"1001", "1002", "1003"} {
				if err := o.oc.AddUser(emulator.OneCloudUser{ID: id, Username: "u" + id}); err != nil {
					t.Fatal(err)
				}
			}
			for _, m := range []string{"anna@contoso.it", "bruno@contoso.it", "carla@contoso.it"} {
				o.graph.SetCalendar(m, nil)
			}
			if tc.wh != nil {
				o.graph.SetWorkingHours("anna@contoso.it", tc.wh)
			}
			o.graph.SetWorkingHours("bruno@contoso.it", nil)
			bad := emulator.DefaultWorkingHours()
			bad.TimeZone = &workhours.TimeZone{Name: "Atlantis Standard Time"}
			o.graph.SetWorkingHours("carla@contoso.it", &bad)
			e := o.engine()
			ctx := context.Background()

			rep, err := e.SyncOnce(ctx, false)
			if err != nil {
				t.Fatal(err)
			}
			if rep.GraphRequests != 1 || rep.Failed() != 0 {
				t.Fatalf("first sync: %d Graph requests, %d failed: %+v", rep.GraphRequests, rep.Failed(), rep.Users)
			}
			if rep.Users[0].Activity != "available" {
				t.Fatalf("at %v anna is %q, want available", o.clk.Now(), rep.Users[0].Activity)
			}
			if w := rep.Users[2].Warning; !strings.Contains(w, "Atlantis Standard Time") || rep.Users[2].Action == ActionError {
				t.Errorf("unknown zone: action %s, warning %q; want a warning naming the zone and no error", rep.Users[2].Action, w)
			}

			// The day's end: the one boundary, at the exact second, for anna alone.
			b, users, ok := e.NextBoundary(o.clk.Now())
			if !ok || !b.Equal(tc.end) || len(users) != 1 || users[0] != "1001" {
				t.Fatalf("NextBoundary = %v %v %v, want %v [1001]", b, users, ok, tc.end)
			}
			o.clk.Set(b)
			if _, err := e.Apply(ctx, users, b, false); err != nil {
				t.Fatal(err)
			}
			p, _ := o.oc.Presence("1001")
			if p.Activity != "gone-home" || !p.Until.Equal(tc.next) {
				t.Errorf("at the day's end anna is %s until %v, want gone-home until %v", p.Activity, p.Until, tc.next)
			}
			if p.Note != tc.note {
				t.Errorf("note = %q, want %q", p.Note, tc.note)
			}
			for _, id := range []string{"1002", "1003"} {
				if got := o.presence(id); got != "available/office" {
					t.Errorf("presence of %s = %s, want available/office", id, got)
				}
			}
			v := e.UserViews(b)
			if v[0].Calendar != "outside working hours" || v[0].Desired.Activity != "gone-home" {
				t.Errorf("status of anna = %q, desired %q", v[0].Calendar, v[0].Desired.Activity)
			}
			if v[2].Warning == "" {
				t.Error("no warning in carla's status")
			}

			// The next start, after the morning's poll.
			o.clk.Set(tc.next.Add(-2 * time.Minute))
			prep, err := e.Poll(ctx)
			if err != nil || prep.GraphRequests != 1 {
				t.Fatalf("poll: %v, %d Graph requests", err, prep.GraphRequests)
			}
			b, users, ok = e.NextBoundary(o.clk.Now())
			if !ok || !b.Equal(tc.next) {
				t.Fatalf("NextBoundary = %v %v %v, want %v", b, users, ok, tc.next)
			}
			if v := e.UserViews(o.clk.Now()); !v[0].NextChange.Equal(tc.next) || v[0].NextActivity != "available" {
				t.Errorf("status of anna: next change %v to %q, want %v to available", v[0].NextChange, v[0].NextActivity, tc.next)
			}
			o.clk.Set(b)
			if _, err := e.Apply(ctx, users, b, false); err != nil {
				t.Fatal(err)
			}
			if got := o.presence("1001"); got != "available/office" {
				t.Errorf("at the day's start anna is %s, want available/office", got)
			}
			if n := o.graph.Stats().ScheduleRequests; n != 2 {
				t.Errorf("%d getSchedule requests for 2 polls, want 2: working hours come with them", n)
			}
		})
	}
}

// TestSchedulerFiresAtWorkingDayEnd: the scheduler's one timer is armed
// for 17:00:00 local (16:00:00 UTC in winter), before the next poll, and
// the presence is written at that instant.
func TestSchedulerFiresAtWorkingDayEnd(t *testing.T) {
	start := time.Date(2026, 12, 7, 15, 58, 30, 0, time.UTC) // 16:58:30 in Berlin
	end := time.Date(2026, 12, 7, 16, 0, 0, 0, time.UTC)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	wh, err := workhours.New([]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday},
		8*time.Hour, 17*time.Hour, berlin)
	if err != nil {
		t.Fatal(err)
	}
	cfg := workingHoursConfig(user("1001", "a@contoso.test"))
	cfg.Sync.Interval = "10m"
	g := newFakeGraph()
	g.set("a@contoso.test")
	g.setWorkingHours("a@contoso.test", wh)
	r := newSchedRigWith(t, cfg, g, start, SchedulerOptions{MaxSleep: time.Hour})
	<-r.idle // first poll at 16:58:30 local: still working
	if next, _ := r.clk.Next(); !next.Equal(end) {
		t.Fatalf("next wake-up at %v, want %v (17:00:00 in Berlin)", next, end)
	}
	r.advance()
	if got, want := r.oc.writes["1001"], []timedWrite{{end, "gone-home"}}; !sameWrites(got, want) {
		t.Fatalf("writes = %v, want %v", got, want)
	}
	if n := r.g.callCount(); n != 1 {
		t.Errorf("%d schedule reads, want the first poll's only", n)
	}
}

// TestDecideOutsideWorkingHours: outside working hours until is the next
// start, even with an evening meeting ahead (its start rewrites the
// presence anyway), and the meeting wins while it lasts (rule order).
func TestDecideOutsideWorkingHours(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	wh, err := workhours.New([]time.Weekday{time.Monday, time.Tuesday}, 8*time.Hour, 17*time.Hour, berlin)
	if err != nil {
		t.Fatal(err)
	}
	utc := func(d, h int) time.Time { return time.Date(2026, 12, d, h, 0, 0, 0, time.UTC) }
	sched := calendar.Schedule{Events: []calendar.Event{ev(calendar.Busy, utc(7, 18), utc(7, 19))}, WorkingHours: wh}
	e, err := New(workingHoursConfig(user("1001", "a@contoso.test")), Deps{Schedules: newFakeGraph(), OneCloud: newFakeOneCloud()},
		Options{StatePath: t.TempDir() + "/state.json"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		at   time.Time
		want Desired
		note string
	}{
		{utc(7, 15), Desired{Activity: "available"}, ""},
		{utc(7, 16), Desired{Activity: "gone-home", Until: utc(8, 7)}, "Outside working hours until Tue 8 Dec 07:00"},
		{utc(7, 18), Desired{Activity: "meeting", Until: utc(7, 19)}, "Calendar: busy until 19:00"},
		{utc(7, 19), Desired{Activity: "gone-home", Until: utc(8, 7)}, "Outside working hours until Tue 8 Dec 07:00"},
		{utc(8, 16), Desired{Activity: "gone-home", Until: utc(14, 7)}, "Outside working hours until Mon 14 Dec 07:00"},
	} {
		d, got := e.decide(sched, nil, tc.at)
		if !got.Equal(tc.want) {
			t.Errorf("at %v: desired %+v, want %+v", tc.at, got, tc.want)
		}
		if n := note(d, got, tc.at, time.UTC); n != tc.note {
			t.Errorf("at %v: note %q, want %q", tc.at, n, tc.note)
		}
	}
}

// BenchmarkNextBoundaryWorkingHours measures the scheduler's boundary
// search over 200 users, each with working hours and a few events.
func BenchmarkNextBoundaryWorkingHours(b *testing.B) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		b.Fatal(err)
	}
	wh, err := workhours.New([]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday},
		8*time.Hour, 17*time.Hour, berlin)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	g := newFakeGraph()
	var users []config.User
	for i := range 200 {
		m := fmt.Sprintf("u%d@contoso.test", i)
		users = append(users, user(fmt.Sprint(1000+i), m))
		var evs []calendar.Event
		for k := range 5 {
			s := start.Add(time.Duration(i%7+k*90) * time.Minute)
			evs = append(evs, ev(calendar.Busy, s, s.Add(45*time.Minute)))
		}
		g.set(m, evs...)
		g.setWorkingHours(m, wh)
	}
	e, err := New(workingHoursConfig(users...), Deps{Schedules: g, OneCloud: newFakeOneCloud()},
		Options{StatePath: b.TempDir() + "/state.json", Clock: clock.NewFake(start)})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.Poll(context.Background()); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, ok := e.NextBoundary(start); !ok {
			b.Fatal("no boundary")
		}
	}
}
