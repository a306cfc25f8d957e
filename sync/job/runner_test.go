package job

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"
)

func TestDelay(t *testing.T) {
	const iv = 15 * time.Minute
	for _, tt := range []struct {
		failures int
		want     time.Duration
	}{{0, iv}, {1, iv}, {2, 2 * iv}, {3, 4 * iv}, {5, 16 * iv}, {6, 16 * iv}, {100, 16 * iv}} {
		if got := Delay(iv, tt.failures); got != tt.want {
			t.Errorf("Delay(%s, %d) = %s; want %s", iv, tt.failures, got, tt.want)
		}
	}
}

// TestRunner: a job runs at the first turn, not again while it runs nor before its next run is
// due, later and later while it fails, at once when requested, and never while paused. (The
// scheduler's tests run it in time: sync/presence TestSchedulerRunsJobsOnTheirInterval and
// TestSchedulerBacksOffAFailingJob.)
func TestRunner(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	fail := errors.New("refused")
	results := make(chan error, 1) // what the next run returns
	var events []string
	r := NewRunner([]Job{{Name: "contacts", Run: func(context.Context) error { return <-results }}}, false,
		slog.New(slog.DiscardHandler), func(started bool, name string) {
			events = append(events, map[bool]string{true: "start ", false: "end "}[started]+name)
		})
	run := func(now time.Time, err error) {
		t.Helper()
		r.StartDue(ctx, now, false)
		if !r.Running() {
			t.Fatalf("at %s: not started", now.Sub(t0))
		}
		r.StartDue(ctx, now, false) // one run at a time
		results <- err
		r.Finished(ctx, <-r.Done(), now)
		if r.Running() {
			t.Fatalf("at %s: still running", now.Sub(t0))
		}
	}
	idle := func(now time.Time, paused bool) {
		t.Helper()
		r.StartDue(ctx, now, paused)
		if r.Running() {
			t.Fatalf("at %s (paused %v): started", now.Sub(t0), paused)
		}
	}
	run(t0, fail) // at start; the interval defaults to 15 minutes
	if w := r.Wake(t0.Add(time.Hour)); !w.Equal(t0.Add(15 * time.Minute)) {
		t.Errorf("Wake = %s after start, want 15m", w.Sub(t0))
	}
	idle(t0.Add(14*time.Minute), false)
	run(t0.Add(15*time.Minute), fail)   // the second failure in a row: 30 minutes
	idle(t0.Add(44*time.Minute), false) // not yet
	r.Request("contacts")               // Sync now runs it at once...
	idle(t0.Add(44*time.Minute), true)  // ...but not while paused
	run(t0.Add(44*time.Minute), nil)    // a success resets the back-off
	idle(t0.Add(58*time.Minute), false)
	r.RequestAll()
	run(t0.Add(58*time.Minute), nil)
	if len(events) != 8 || events[0] != "start contacts" || events[1] != "end contacts" {
		t.Errorf("events = %v", events)
	}
}
