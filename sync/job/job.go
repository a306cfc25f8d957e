// Package job is the contract of a calsync sync job: its name, when it runs, how one run goes,
// and the report of its last run that the service's status shows.
//
// Presence (sync/presence) is the job the scheduler is built around: it runs every poll interval
// and at the exact second a calendar event starts or ends, plus on Teams presence reads. Every
// other job (contacts) is a Job here: a Runner, which the presence scheduler's loop drives, runs
// it first at start, then every Interval after a run ends (later after failures), and on demand
// (Sync now); a Tracker records its runs for the status. The service's one list of jobs is
// sync/daemon's jobs.go.
package job

import (
	"context"
	"sync"
	"time"

	"github.com/calsync/calsync/sync/clock"
)

// Presence names the presence job: calendars (and Teams presence) to OneCloud presence.
const Presence = "presence"

// Job is periodic work the scheduler runs besides presence: first at start, then every Interval
// after a run ends, at once (or right after the run in progress) on Sync now, never while
// paused, and one run of it at a time. A run that fails is tried again after its interval, and
// after each further failure in a row twice as late, up to 16 intervals (a refused credential is
// not retried at full rate); a run that succeeds resets that. The work's own retries belong to it.
type Job struct {
	// Name identifies the job in events, in the status and in Sync now ("contacts").
	Name     string
	Interval time.Duration
	Run      func(ctx context.Context) error
}

// Report is a job's last run as the status shows it.
type Report struct {
	Name     string
	Running  bool
	LastRun  time.Time // start of the last run that ended; zero: none yet
	Interval time.Duration
	// Error is why the last run failed; "" when it succeeded.
	Error string
}

// Tracker records a job's runs for its Report. Its methods are safe for concurrent use.
type Tracker struct {
	name     string
	interval time.Duration
	clock    clock.Clock

	mu      sync.Mutex
	running bool
	lastRun time.Time
	lastErr string
}

// NewTracker returns a tracker for the job named name, run every interval, timed by clk (nil:
// the real clock).
func NewTracker(name string, interval time.Duration, clk clock.Clock) *Tracker {
	return &Tracker{name: name, interval: interval, clock: clock.OrReal(clk)}
}

// Job is run as a Job whose runs t records.
func (t *Tracker) Job(run func(ctx context.Context) error) Job {
	return Job{Name: t.name, Interval: t.interval, Run: func(ctx context.Context) error {
		t.mu.Lock()
		t.running = true
		t.mu.Unlock()
		started := t.clock.Now()
		err := run(ctx)
		t.mu.Lock()
		t.running, t.lastRun, t.lastErr = false, started.UTC(), ""
		if err != nil {
			t.lastErr = err.Error()
		}
		t.mu.Unlock()
		return err
	}}
}

// Report is the job's last run and whether one runs now.
func (t *Tracker) Report() Report {
	t.mu.Lock()
	defer t.mu.Unlock()
	return Report{Name: t.name, Running: t.running, LastRun: t.lastRun, Interval: t.interval, Error: t.lastErr}
}
