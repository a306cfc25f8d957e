package presence

import (
	"context"
	"slices"
	"time"

	"github.com/calsync/calsync/sync/clock"
)

// Run polls and applies until ctx ends. It returns ctx's error after any
// poll in flight has finished, so the state is saved when it returns.
func (s *Scheduler) Run(ctx context.Context) error {
	l := newLoop(ctx, s)
	defer l.timer.Stop()
	for {
		now := s.clock.Now()
		if l.pollDue(now) {
			l.startPoll()
		}
		for i := range l.jobs {
			if l.jobDue(i, now) {
				l.startJob(i)
			}
		}
		if l.teamsDue(now) {
			l.startTeams()
		}
		wait := l.arm(now)
		l.signalIdle()

		select {
		case <-ctx.Done():
			l.timer.Stop()
			if l.polling {
				<-l.pollDone
			}
			for _, j := range l.jobs {
				if j.running {
					<-l.jobDone
				}
			}
			if l.teams.running {
				<-l.teamsDone
			}
			return ctx.Err()
		case r := <-l.pollDone:
			l.pollFinished(r)
		case r := <-l.teamsDone:
			l.teamsFinished(r)
		case <-s.syncNow:
			l.manualSync()
		case name := <-s.jobNow:
			l.manualJob(name)
		case r := <-l.jobDone:
			l.jobFinished(r)
		case p := <-s.pause:
			l.setPaused(p)
		case <-l.timer.C():
			woke := s.clock.Now()
			// Where the wait should have ended against where it did: a
			// machine that slept does not advance Go's monotonic timers.
			if jump := woke.Sub(now.Add(wait)); jump > s.jumpTol || jump < -s.jumpTol {
				l.wokeAfterJump(woke, jump)
			} else {
				l.boundaryReached(woke)
			}
		}
	}
}

// pollResult is what a poll's goroutine hands back to the loop.
type pollResult struct {
	rep PollReport
	err error
}

// loop is one Run's state. Only Run's goroutine touches it; each thing the
// loop reacts to is one method, so another periodic job is one more field
// and method here, not one more closure in Run.
type loop struct {
	s     *Scheduler
	ctx   context.Context
	timer clock.Timer

	pollDone      chan pollResult // the poll in flight's result (capacity 1)
	polling       bool
	pollRequested bool // poll at the next turn, whatever nextPoll says
	nextPoll      time.Time
	failures      int // polls failed in a row
	paused        bool

	jobs    []jobState
	jobDone chan jobResult // a job whose run ended

	teams     teamsLoop        // Teams presence reads (loop_teams.go)
	teamsDone chan teamsResult // the read in flight's result (capacity 1)

	boundary      time.Time         // next known change; zero if none
	boundaryUsers []string          // the users whose presence changes at boundary
	userErrs      map[string]string // last error published per user
}

func newLoop(ctx context.Context, s *Scheduler) *loop {
	jobs := make([]jobState, len(s.jobs))
	for i := range jobs {
		jobs[i].requested = !s.paused
	}
	return &loop{
		s:             s,
		jobs:          jobs,
		jobDone:       make(chan jobResult, len(s.jobs)),
		ctx:           ctx,
		timer:         s.clock.NewTimer(time.Hour),
		pollDone:      make(chan pollResult, 1),
		teamsDone:     make(chan teamsResult, 1),
		teams:         teamsLoop{requested: !s.paused},
		paused:        s.paused,
		pollRequested: !s.paused, // poll at start, unless paused
		userErrs:      map[string]string{},
	}
}

// pollDue reports whether a poll should start now.
func (l *loop) pollDue(now time.Time) bool {
	return !l.paused && !l.polling && (l.pollRequested || !now.Before(l.nextPoll))
}

// arm sets the timer for the earliest of the next poll, the next boundary
// and maxSleep, and returns the wait.
func (l *loop) arm(now time.Time) time.Duration {
	wake := now.Add(l.s.maxSleep)
	if !l.paused && !l.polling && l.nextPoll.Before(wake) {
		wake = l.nextPoll
	}
	if !l.paused && !l.boundary.IsZero() && l.boundary.Before(wake) {
		wake = l.boundary
	}
	for _, j := range l.jobs {
		if !l.paused && !j.running && j.next.Before(wake) {
			wake = j.next
		}
	}
	if l.s.eng.UsesTeams() && !l.paused && !l.teams.running && l.teams.next.Before(wake) {
		wake = l.teams.next
	}
	wait := max(wake.Sub(now), 0)
	l.timer.Reset(wait)
	l.s.update(func(st *SchedulerStatus) { st.NextPoll = l.nextPoll })
	return wait
}

// signalIdle tells a test waiting on Scheduler.idle that the loop is about
// to wait with no poll and no job in flight, so simulated time may advance.
func (l *loop) signalIdle() {
	if l.s.idle == nil || l.polling || l.teams.running || slices.ContainsFunc(l.jobs, func(j jobState) bool { return j.running }) {
		return
	}
	select {
	case l.s.idle <- struct{}{}:
	case <-l.ctx.Done():
	}
}

// startPoll runs a poll in its own goroutine: a slow or failing Graph never
// holds back the boundaries already known.
func (l *loop) startPoll() {
	l.polling, l.pollRequested = true, false
	l.s.update(func(st *SchedulerStatus) { st.Polling = true })
	l.s.hub.Publish(Event{Type: EventSyncStarted, Time: l.s.clock.Now()})
	go func() {
		rep, err := l.s.eng.Poll(l.ctx)
		l.pollDone <- pollResult{rep, err}
	}()
}

// pollFinished records a poll's outcome, schedules the next one (sooner,
// with backoff, after a failure) and applies every user.
func (l *loop) pollFinished(r pollResult) {
	s := l.s
	l.polling = false
	now := s.clock.Now()
	if r.err != nil {
		l.failures++
		l.nextPoll = now.Add(s.retryDelay(l.failures))
		s.log.Warn("calendar poll failed; applying known schedules", "failures", l.failures,
			"retry_in", l.nextPoll.Sub(now).String(), "err", r.err.Error())
		if s.Status().Degraded != r.err.Error() {
			s.hub.Publish(Event{Type: EventDegraded, Time: now, Message: r.err.Error()})
		}
		s.update(func(st *SchedulerStatus) { st.Polls, st.Degraded = st.Polls+1, r.err.Error() })
	} else {
		if l.failures > 0 {
			s.log.Info("calendar poll recovered", "after_failures", l.failures)
			s.hub.Publish(Event{Type: EventRecovered, Time: now})
		}
		l.failures = 0
		l.nextPoll = r.rep.At.Add(s.interval)
		s.update(func(st *SchedulerStatus) { st.Polls, st.Degraded, st.LastPoll = st.Polls+1, "", r.rep.At })
	}
	if !l.paused {
		// Every user, so that calendar edits, kept-manual users whose own
		// until lapsed and earlier failed writes are caught up.
		l.apply(nil, now, "poll")
	}
	// A sync is a poll and the writes after it: only now is it over.
	s.update(func(st *SchedulerStatus) { st.Polling = false })
	s.hub.Publish(Event{Type: EventSyncFinished, Time: now, Message: s.Status().Degraded})
}

// manualSync asks for a poll, and a run of every job, at the next turn; one already in flight
// answers the request.
func (l *loop) manualSync() {
	if !l.polling {
		l.pollRequested = true
	}
	for i := range l.jobs {
		l.jobs[i].requested = true
	}
	l.teams.requested = true
}

// jobState is one Job's part of the loop.
type jobState struct {
	running, requested bool
	next               time.Time
	failures           int // runs failed in a row
}

// jobResult is how a job's run ended: the job's index and its error.
type jobResult struct {
	i   int
	err error
}

// maxJobBackoff caps a failing job's wait at this many intervals: a job
// failing for a reason that lasts (a refused credential) is not retried at
// full rate forever, and one that has recovered is noticed within a day
// or so (16 × the default 15 minutes contacts interval is 4 hours).
const maxJobBackoff = 16

// jobDelay is the wait before job i's next run after failures runs failed in
// a row: its interval, doubled per failure after the first, at most
// maxJobBackoff intervals.
func jobDelay(interval time.Duration, failures int) time.Duration {
	d := interval
	for n := 1; n < failures && d < maxJobBackoff*interval; n++ {
		d *= 2
	}
	return min(d, maxJobBackoff*interval)
}

// jobDue reports whether job i should start now.
func (l *loop) jobDue(i int, now time.Time) bool {
	j := l.jobs[i]
	return !l.paused && !j.running && (j.requested || !now.Before(j.next))
}

// startJob runs job i in its own goroutine, like a poll.
func (l *loop) startJob(i int) {
	j := l.s.jobs[i]
	l.jobs[i].running, l.jobs[i].requested = true, false
	l.s.hub.Publish(Event{Type: EventJobStarted, Time: l.s.clock.Now(), Message: j.Name})
	go func() {
		l.jobDone <- jobResult{i: i, err: j.Run(l.ctx)}
	}()
}

// jobFinished schedules job i's next run: after its interval, or after a
// failure later and later (jobDelay); SyncJobNow still runs it at once.
func (l *loop) jobFinished(r jobResult) {
	now := l.s.clock.Now()
	j := &l.jobs[r.i]
	j.running = false
	switch {
	case r.err == nil:
		j.failures = 0
	case l.ctx.Err() == nil:
		j.failures++
	}
	delay := jobDelay(l.s.jobs[r.i].Interval, j.failures)
	if r.err != nil && l.ctx.Err() == nil {
		l.s.log.Warn("job failed; trying again later", "job", l.s.jobs[r.i].Name, "in", delay.String(),
			"failuresInARow", j.failures, "err", r.err.Error())
	}
	j.next = now.Add(delay)
	l.s.hub.Publish(Event{Type: EventJobFinished, Time: now, Message: l.s.jobs[r.i].Name})
}

// manualJob asks for a run of the named job at the next turn, or, while one runs, right after
// it: the running one may have read its source before the change that prompted the request.
func (l *loop) manualJob(name string) {
	for i, j := range l.s.jobs {
		if j.Name == name {
			l.jobs[i].requested = true
		}
	}
}

// setPaused pauses or resumes; resuming polls at once.
func (l *loop) setPaused(p bool) {
	if p == l.paused {
		return
	}
	l.paused = p
	l.s.update(func(st *SchedulerStatus) { st.Paused = p })
	if p {
		l.s.log.Info("sync paused")
		l.s.hub.Publish(Event{Type: EventPaused, Time: l.s.clock.Now()})
		return
	}
	l.s.log.Info("sync resumed")
	l.s.hub.Publish(Event{Type: EventResumed, Time: l.s.clock.Now()})
	l.pollRequested = true
	for i := range l.jobs {
		l.jobs[i].requested = true
	}
	l.teams.requested = true
}

// wokeAfterJump handles a wake-up far from where the wait should have
// ended: after sleep/resume or a clock change the cached windows and the
// boundary cursor no longer describe the present, so it polls again.
func (l *loop) wokeAfterJump(woke time.Time, jump time.Duration) {
	l.s.log.Warn("wall clock jumped; polling again", "by", jump.Round(time.Second).String())
	l.pollRequested = true
	l.refreshBoundary(woke)
}

// boundaryReached applies, once the next boundary has passed, every user
// with a boundary in [boundary, woke]: a late wake-up must not skip a
// change that fell in between.
func (l *loop) boundaryReached(woke time.Time) {
	if l.paused || l.boundary.IsZero() || woke.Before(l.boundary) {
		return
	}
	eng := l.s.eng
	users := map[string]bool{}
	for t, us := l.boundary, l.boundaryUsers; !t.IsZero() && !t.After(woke); {
		for _, u := range us {
			users[u] = true
		}
		var ok bool
		t, us, ok = eng.NextBoundary(t)
		if !ok {
			break
		}
	}
	list := make([]string, 0, len(users))
	for _, u := range eng.Users() {
		if users[u.OneCloudUser] {
			list = append(list, u.OneCloudUser)
		}
	}
	l.apply(list, woke, "boundary")
}

// apply decides and writes users (nil: all), publishes what happened and
// looks up the next boundary.
func (l *loop) apply(users []string, now time.Time, reason string) {
	s := l.s
	rep, err := s.eng.Apply(l.ctx, users, now, false)
	failed := err != nil && l.ctx.Err() == nil
	s.update(func(st *SchedulerStatus) {
		st.Applies++
		st.LastError = ""
		if failed {
			st.LastError = err.Error()
		}
	})
	if failed {
		s.log.Error("apply failed", "reason", reason, "err", err.Error())
		s.hub.Publish(Event{Type: EventError, Time: now, Message: err.Error()})
	}
	s.publishReport(rep, now, reason, l.userErrs)
	l.refreshBoundary(now)
}

// refreshBoundary looks up the next known change after now.
func (l *loop) refreshBoundary(now time.Time) {
	var ok bool
	l.boundary, l.boundaryUsers, ok = l.s.eng.NextBoundary(now)
	if !ok {
		l.boundary = time.Time{}
	}
	l.s.update(func(st *SchedulerStatus) { st.NextBoundary = l.boundary })
}
