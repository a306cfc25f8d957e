package presence

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/job"
	"github.com/calsync/calsync/sync/onecloud"
	"github.com/calsync/calsync/sync/rules"
)

// timedWrite is a successful PUT and the simulated instant it happened.
type timedWrite struct {
	at       time.Time
	activity string
}

// recordingOneCloud stamps every successful PUT with the fake clock's time.
type recordingOneCloud struct {
	*fakeOneCloud
	clk    *clock.Fake
	mu     sync.Mutex
	writes map[string][]timedWrite
}

func (r *recordingOneCloud) PutPresence(ctx context.Context, id string, p onecloud.Presence, etag string) (onecloud.Presence, string, error) {
	got, tag, err := r.fakeOneCloud.PutPresence(ctx, id, p, etag)
	if err == nil {
		r.mu.Lock()
		r.writes[id] = append(r.writes[id], timedWrite{r.clk.Now(), p.Activity})
		r.mu.Unlock()
	}
	return got, tag, err
}

// expectedTransitions is the reference model: walking every boundary of a
// user's calendar, the instants at which the desired activity changes.
func expectedTransitions(set *rules.Set, evs []calendar.Event, from, to time.Time, def string) []timedWrite {
	var out []timedWrite
	prev := def
	times := calendar.Schedule{Events: evs}.Boundaries(from.Add(-time.Nanosecond))
	for _, t := range times {
		if t.After(to) {
			break
		}
		act := set.Decide(evs, nil, t, def).Activity
		if act != prev {
			out = append(out, timedWrite{t, act})
			prev = act
		}
	}
	return out
}

// TestSchedulerSimulatedWeek runs 200 users through 7 simulated days with a
// 10-minute poll interval: every presence write must happen at the exact
// instant of an event boundary (to the nanosecond, so to the second), never
// at a poll, and the sequence of writes must equal the reference model's.
func TestSchedulerSimulatedWeek(t *testing.T) {
	const users, days = 200, 7
	start := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) // a Monday
	end := start.AddDate(0, 0, days)
	rng := rand.New(rand.NewPCG(1, 2))

	cfg := testConfig()
	cfg.Sync.Interval = "10m"
	g := newFakeGraph()
	clk := clock.NewFake(start)
	oc := &recordingOneCloud{fakeOneCloud: newFakeOneCloud(), clk: clk, writes: map[string][]timedWrite{}}
	calendars := map[string][]calendar.Event{}
	for i := range users {
		id := fmt.Sprint(1000 + i)
		mb := fmt.Sprintf("user%d@contoso.test", i)
		cfg.Users = append(cfg.Users, user(id, mb))
		calendars[id] = randomWeek(rng, start, days)
		g.set(mb, calendars[id]...)
		oc.presence[id] = onecloud.Presence{Activity: "available"}
	}
	eng, err := New(cfg, Deps{Schedules: g, OneCloud: oc, Catalog: oc}, Options{Clock: clk, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	idle := make(chan struct{})
	s := NewScheduler(eng, SchedulerOptions{MaxSleep: 24 * time.Hour})
	s.idle = idle
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()

	runSimulated(clk, idle, end, nil)
	cancel()
	<-done

	set, err := rules.Compile(cfg.Rules)
	if err != nil {
		t.Fatal(err)
	}
	transitions := 0
	for i := range users {
		id := fmt.Sprint(1000 + i)
		want := expectedTransitions(set, calendars[id], start, clk.Now(), "available")
		transitions += len(want)
		// A write that keeps the activity updates until (an overlapping
		// meeting extends it); it must still happen at a boundary.
		var got []timedWrite
		bounds := calendar.Schedule{Events: calendars[id]}.Boundaries(start.Add(-time.Nanosecond))
		for _, w := range oc.writes[id] {
			if !slices.ContainsFunc(bounds, w.at.Equal) {
				t.Errorf("user %s written at %v, which is no event boundary", id, w.at)
			}
			if len(got) == 0 || got[len(got)-1].activity != w.activity {
				got = append(got, w)
			}
		}
		if !slices.EqualFunc(got, want, func(a, b timedWrite) bool { return a.at.Equal(b.at) && a.activity == b.activity }) {
			t.Errorf("user %s writes differ from the model\n got: %v\nwant: %v", id, got, want)
		}
		if final := set.Decide(calendars[id], nil, clk.Now(), "available").Activity; oc.get(id).Activity != final {
			t.Errorf("user %s ends as %q, model says %q", id, oc.get(id).Activity, final)
		}
	}
	st := s.Status()
	t.Logf("%d users, %d days: %d transitions written at their boundaries, %d polls, %d applies", users, days, transitions, st.Polls, st.Applies)
	if transitions < users*days {
		t.Fatalf("only %d transitions: the random calendars are too thin to test anything", transitions)
	}
	if wantPolls := days * 24 * 6; st.Polls < wantPolls-1 || st.Polls > wantPolls+1 {
		t.Errorf("polls = %d, want about %d (one per 10 minutes)", st.Polls, wantPolls)
	}
}

// schedRig is one user's scheduler over fakes on a fake clock, started;
// idle receives each time the scheduler waits with no poll in flight.
type schedRig struct {
	g    *fakeGraph
	oc   *recordingOneCloud
	clk  *clock.Fake
	s    *Scheduler
	idle chan struct{}
}

// newSchedRig starts a scheduler for user 1001 (a@contoso.test, presence
// available) whose calendar holds evs, at start, with the given poll
// interval and options.
func newSchedRig(t *testing.T, start time.Time, interval string, opts SchedulerOptions, evs ...calendar.Event) *schedRig {
	t.Helper()
	cfg := testConfig(user("1001", "a@contoso.test"))
	cfg.Sync.Interval = interval
	g := newFakeGraph()
	g.set("a@contoso.test", evs...)
	return newSchedRigWith(t, cfg, g, start, opts)
}

// newSchedRigWith is newSchedRig over a config and calendars of the test's.
func newSchedRigWith(t *testing.T, cfg *config.Config, g *fakeGraph, start time.Time, opts SchedulerOptions) *schedRig {
	t.Helper()
	r := &schedRig{g: g, clk: clock.NewFake(start), idle: make(chan struct{})}
	r.oc = &recordingOneCloud{fakeOneCloud: newFakeOneCloud(), clk: r.clk, writes: map[string][]timedWrite{}}
	r.oc.presence["1001"] = onecloud.Presence{Activity: "available"}
	eng, err := New(cfg, Deps{Schedules: r.g, OneCloud: r.oc, Catalog: r.oc}, Options{Clock: r.clk, Location: time.UTC,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	r.s = NewScheduler(eng, opts)
	r.s.idle = r.idle
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return r
}

// advance moves the clock to the scheduler's next wake-up and waits until
// it is idle again.
func (r *schedRig) advance() {
	next, _ := r.clk.Next()
	r.clk.Set(next)
	<-r.idle
}

func sameWrites(a, b []timedWrite) bool {
	return slices.EqualFunc(a, b, func(x, y timedWrite) bool { return x.at.Equal(y.at) && x.activity == y.activity })
}

// TestSchedulerEditPickedUpAtNextPoll: a meeting added while the scheduler
// sleeps is written at the next poll, not before and not later.
func TestSchedulerEditPickedUpAtNextPoll(t *testing.T) {
	start := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	r := newSchedRig(t, start, "1m", SchedulerOptions{MaxSleep: time.Hour})
	<-r.idle // first poll done at 09:00
	r.clk.Set(start.Add(30 * time.Second))
	// The meeting started at 09:00 but was only just entered.
	r.g.set("a@contoso.test", ev(calendar.Busy, start, start.Add(time.Hour)))
	if next, _ := r.clk.Next(); !next.Equal(start.Add(time.Minute)) {
		t.Fatalf("next wake-up at %v, want the 09:01 poll", next)
	}
	r.advance() // polled and applied at 09:01
	if got, want := r.oc.writes["1001"], []timedWrite{{start.Add(time.Minute), "meeting"}}; !sameWrites(got, want) {
		t.Fatalf("writes = %v, want %v", got, want)
	}
}

// TestSchedulerKeepsApplyingWhenPollsFail: with Graph down, the boundaries
// of the schedules already known are still applied on time, and the
// scheduler reports itself degraded until a poll succeeds.
func TestSchedulerKeepsApplyingWhenPollsFail(t *testing.T) {
	start := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	r := newSchedRig(t, start, "1m", SchedulerOptions{MaxSleep: time.Hour},
		ev(calendar.Busy, start.Add(2*time.Hour), start.Add(3*time.Hour)))
	events, unsubscribe := r.s.Subscribe(1000)
	defer unsubscribe()
	<-r.idle
	r.g.mu.Lock()
	r.g.fail = errNetwork
	r.g.mu.Unlock()
	for r.clk.Now().Before(start.Add(3*time.Hour + time.Minute)) {
		r.advance()
	}
	if r.s.Status().Degraded == "" {
		t.Fatal("status not degraded while every poll fails")
	}
	want := []timedWrite{{start.Add(2 * time.Hour), "meeting"}, {start.Add(3 * time.Hour), "available"}}
	if got := r.oc.writes["1001"]; !sameWrites(got, want) {
		t.Fatalf("writes = %v, want %v", got, want)
	}
	r.g.mu.Lock()
	r.g.fail = nil
	r.g.mu.Unlock()
	r.s.SyncNow()
	<-r.idle // polled and applied
	if d := r.s.Status().Degraded; d != "" {
		t.Fatalf("still degraded after a good poll: %s", d)
	}
	var degraded, recovered int
	for len(events) > 0 {
		switch (<-events).Type {
		case EventDegraded:
			degraded++
		case EventRecovered:
			recovered++
		}
	}
	if degraded != 1 || recovered != 1 {
		t.Fatalf("degraded events = %d, recovered = %d; want 1 and 1 (once per outage, not per retry)", degraded, recovered)
	}
}

// TestSchedulerClockJumpRepolls: when the wall clock jumps (resume from
// sleep), the scheduler polls again at once instead of trusting its cache.
func TestSchedulerClockJumpRepolls(t *testing.T) {
	start := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	r := newSchedRig(t, start, "10m", SchedulerOptions{MaxSleep: 15 * time.Second})
	<-r.idle
	if r.g.callCount() != 1 {
		t.Fatalf("polls at start = %d", r.g.callCount())
	}
	// The machine slept for three hours; a meeting began meanwhile.
	r.g.set("a@contoso.test", ev(calendar.Busy, start.Add(2*time.Hour), start.Add(4*time.Hour)))
	r.clk.Set(start.Add(3 * time.Hour))
	<-r.idle // the jump is noticed, polled and applied
	if r.g.callCount() != 2 {
		t.Fatalf("polls after the jump = %d, want 2", r.g.callCount())
	}
	if got := r.oc.get("1001").Activity; got != "meeting" {
		t.Fatalf("presence after resume = %q, want meeting", got)
	}
}

// TestSchedulerPauseStopsWrites: while paused nothing is polled or written;
// resume polls at once and catches up.
func TestSchedulerPauseStopsWrites(t *testing.T) {
	start := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	r := newSchedRig(t, start, "1m", SchedulerOptions{MaxSleep: time.Hour},
		ev(calendar.Busy, start.Add(time.Minute), start.Add(9*time.Hour)))
	<-r.idle
	r.s.Pause()
	<-r.idle
	for range 3 { // three hours pass: the paused loop only wakes to check the clock
		r.advance()
	}
	if _, puts := r.oc.calls(); puts != 0 || r.g.callCount() != 1 || !r.s.Status().Paused {
		t.Fatalf("while paused: puts %d, polls %d, paused %v", puts, r.g.callCount(), r.s.Status().Paused)
	}
	r.s.Resume()
	<-r.idle // polled and applied
	if got := r.oc.get("1001").Activity; got != "meeting" || r.g.callCount() != 2 {
		t.Fatalf("after resume: %q after %d polls", got, r.g.callCount())
	}
}

// TestSchedulerStartsPaused: a scheduler started paused polls nothing until
// Resume (a service restarted while paused stays quiet).
func TestSchedulerStartsPaused(t *testing.T) {
	start := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	r := newSchedRig(t, start, "1m", SchedulerOptions{MaxSleep: time.Hour, Paused: true},
		ev(calendar.Busy, start, start.Add(time.Hour)))
	<-r.idle
	if r.g.callCount() != 0 || !r.s.Status().Paused {
		t.Fatalf("started paused: %d polls, paused %v", r.g.callCount(), r.s.Status().Paused)
	}
	r.s.Resume()
	<-r.idle
	if got := r.oc.get("1001").Activity; got != "meeting" || r.g.callCount() != 1 {
		t.Fatalf("after resume: %q after %d polls", got, r.g.callCount())
	}
}

// TestSchedulerRunsJobsOnTheirInterval: a job runs at start, then an interval after each run
// ends, at once on SyncNow and SyncJobNow, and never while paused.
func TestSchedulerRunsJobsOnTheirInterval(t *testing.T) {
	start := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	var runs atomic.Int64
	jb := job.Job{Name: "contacts", Interval: 15 * time.Minute, Run: func(context.Context) error {
		runs.Add(1)
		return nil
	}}
	r := newSchedRig(t, start, "10m", SchedulerOptions{MaxSleep: time.Hour, Jobs: []job.Job{jb}})
	<-r.idle
	at := []time.Duration{}
	seen := int64(0)
	note := func() {
		if n := runs.Load(); n > seen {
			seen = n
			at = append(at, r.clk.Now().Sub(start))
		}
	}
	note()
	for r.clk.Now().Before(start.Add(31 * time.Minute)) {
		r.advance() // polls at :10, :20, :30; the job at :15 and :30
		note()
	}
	if want := []time.Duration{0, 15 * time.Minute, 30 * time.Minute}; !slices.Equal(at, want) || seen != 3 {
		t.Fatalf("job ran %d times, at %v; want %v", seen, at, want)
	}
	polls := r.g.callCount()
	r.s.SyncJobNow("contacts")
	<-r.idle
	if n := runs.Load(); n != 4 || r.g.callCount() != polls {
		t.Fatalf("SyncJobNow: %d runs, %d polls (was %d); want 4 runs and no poll", n, r.g.callCount(), polls)
	}
	r.s.SyncNow()
	<-r.idle
	if n := runs.Load(); n != 5 || r.g.callCount() != polls+1 {
		t.Fatalf("SyncNow: %d runs, %d polls; want 5 runs and one more poll", n, r.g.callCount())
	}
	r.s.Pause()
	<-r.idle
	for range 3 {
		r.advance()
	}
	if n := runs.Load(); n != 5 {
		t.Fatalf("paused: %d runs, want still 5", n)
	}
}

// TestSchedulerBacksOffAFailingJob: a job failing in a row (contacts sync with a refused
// credential) waits its interval, then twice as long after each further failure, up to 16
// intervals; a run that succeeds brings back the interval.
func TestSchedulerBacksOffAFailingJob(t *testing.T) {
	start := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	var runs atomic.Int64
	jb := job.Job{Name: "contacts", Interval: 15 * time.Minute, Run: func(context.Context) error {
		if runs.Add(1) <= 4 {
			return errors.New("credential refused")
		}
		return nil
	}}
	r := newSchedRig(t, start, "1h", SchedulerOptions{MaxSleep: 24 * time.Hour, Jobs: []job.Job{jb}})
	<-r.idle
	var at []time.Duration
	seen := int64(0)
	note := func() {
		if n := runs.Load(); n > seen {
			seen = n
			at = append(at, r.clk.Now().Sub(start))
		}
	}
	note()
	for seen < 6 && r.clk.Now().Before(start.Add(5*time.Hour)) {
		r.advance()
		note()
	}
	// Failures at 0, 15, 45, 105 (waits 15, 30, 60, 120); the fifth run succeeds at 225, the next 15 later.
	want := []time.Duration{0, 15 * time.Minute, 45 * time.Minute, 105 * time.Minute, 225 * time.Minute, 240 * time.Minute}
	if !slices.Equal(at, want) {
		t.Fatalf("job ran at %v; want %v", at, want)
	}
}
