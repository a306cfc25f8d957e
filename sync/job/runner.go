package job

import (
	"context"
	"log/slog"
	"slices"
	"time"
)

// Runner runs Jobs as the contract on Job says: at start, every interval after a run ends,
// later and later after failures in a row, at once on request, never while paused, one run of
// each at a time. It is the scheduling of every job but presence; the presence Scheduler's loop
// drives it beside its own polls and boundaries. A Runner belongs to that loop's goroutine: its
// methods are not safe for concurrent use, except that runs report on Done.
type Runner struct {
	jobs  []Job
	state []runState
	done  chan Result
	log   *slog.Logger
	// event, when set, is told when a run starts and ends (the scheduler's job events).
	event func(started bool, name string)
}

// runState is one job's part of the Runner.
type runState struct {
	running, requested bool
	next               time.Time
	failures           int // runs failed in a row
}

// Result is how a run ended: the job's index and its error.
type Result struct {
	i   int
	err error
}

// DefaultInterval is the interval of a Job given none: never a job that spins.
const DefaultInterval = 15 * time.Minute

// MaxBackoff caps a failing job's wait at this many intervals: a job failing for a reason that
// lasts (a refused credential) is not retried at full rate forever, and one that has recovered is
// noticed within a day or so (16 × the default 15 minutes contacts interval is 4 hours).
const MaxBackoff = 16

// Delay is the wait before a job's next run after failures runs failed in a row: its interval,
// doubled per failure after the first, at most MaxBackoff intervals.
func Delay(interval time.Duration, failures int) time.Duration {
	d := interval
	for n := 1; n < failures && d < MaxBackoff*interval; n++ {
		d *= 2
	}
	return min(d, MaxBackoff*interval)
}

// NewRunner returns a runner of jobs (a Job without an Interval gets DefaultInterval). Unless
// paused, every job runs at the first StartDue. event may be nil; log must not be.
func NewRunner(jobs []Job, paused bool, log *slog.Logger, event func(started bool, name string)) *Runner {
	r := &Runner{jobs: slices.Clone(jobs), state: make([]runState, len(jobs)), done: make(chan Result, len(jobs)),
		log: log, event: event}
	for i := range r.jobs {
		if r.jobs[i].Interval <= 0 {
			r.jobs[i].Interval = DefaultInterval
		}
		r.state[i].requested = !paused
	}
	return r
}

// StartDue starts, each in its own goroutine, every job due at now: requested, or its next run
// reached. Nothing starts while paused.
func (r *Runner) StartDue(ctx context.Context, now time.Time, paused bool) {
	if paused {
		return
	}
	for i := range r.jobs {
		st := &r.state[i]
		if st.running || (!st.requested && now.Before(st.next)) {
			continue
		}
		st.running, st.requested = true, false
		j := r.jobs[i]
		if r.event != nil {
			r.event(true, j.Name)
		}
		go func() {
			r.done <- Result{i: i, err: j.Run(ctx)}
		}()
	}
}

// Done delivers each run's end; pass it to Finished.
func (r *Runner) Done() <-chan Result { return r.done }

// Finished schedules the next run of the job whose run ended: after its interval, or after a
// failure later and later (Delay); Request still runs it at once. A run ended by ctx counts as
// no failure.
func (r *Runner) Finished(ctx context.Context, res Result, now time.Time) {
	st, j := &r.state[res.i], r.jobs[res.i]
	st.running = false
	switch {
	case res.err == nil:
		st.failures = 0
	case ctx.Err() == nil:
		st.failures++
	}
	delay := Delay(j.Interval, st.failures)
	if res.err != nil && ctx.Err() == nil {
		r.log.Warn("job failed; trying again later", "job", j.Name, "in", delay.String(),
			"failuresInARow", st.failures, "err", res.err.Error())
	}
	st.next = now.Add(delay)
	if r.event != nil {
		r.event(false, j.Name)
	}
}

// Request asks for a run of the named job at the next StartDue, or, while one runs, right after
// it: the running one may have read its source before the change that prompted the request.
func (r *Runner) Request(name string) {
	for i, j := range r.jobs {
		if j.Name == name {
			r.state[i].requested = true
		}
	}
}

// RequestAll is Request for every job (Sync now, resume).
func (r *Runner) RequestAll() {
	for i := range r.state {
		r.state[i].requested = true
	}
}

// Running reports whether some run is in flight.
func (r *Runner) Running() bool {
	return slices.ContainsFunc(r.state, func(st runState) bool { return st.running })
}

// Wake is the earlier of wake and the next run due of a job not running.
func (r *Runner) Wake(wake time.Time) time.Time {
	for _, st := range r.state {
		if !st.running && st.next.Before(wake) {
			wake = st.next
		}
	}
	return wake
}

// Wait waits for the runs in flight to end (their ctx ended), without scheduling more.
func (r *Runner) Wait() {
	for _, st := range r.state {
		if st.running {
			<-r.done
		}
	}
}
