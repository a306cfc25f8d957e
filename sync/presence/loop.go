package presence

import (
	"context"
	"time"

	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/job"
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
		l.jobs.StartDue(ctx, now, l.paused)
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
			l.jobs.Wait()
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
			l.jobs.Request(name)
		case r := <-l.jobs.Done():
			l.jobs.Finished(ctx, r, s.clock.Now())
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
// loop reacts to is one method, not one more closure in Run. Every job but
// presence is a job.Job that jobs runs: another job adds nothing here.
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

	jobs *job.Runner // every job but presence

	teams     teamsLoop        // Teams presence reads (loop_teams.go)
	teamsDone chan teamsResult // the read in flight's result (capacity 1)

	boundary      time.Time         // next known change; zero if none
	boundaryUsers []string          // the users whose presence changes at boundary
	userErrs      map[string]string // last error published per user
}

func newLoop(ctx context.Context, s *Scheduler) *loop {
	return &loop{
		s: s,
		jobs: job.NewRunner(s.jobs, s.paused, s.log, func(started bool, name string) {
			typ := EventJobFinished
			if started {
				typ = EventJobStarted
			}
			s.hub.Publish(Event{Type: typ, Time: s.clock.Now(), Message: name})
		}),
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
	if !l.paused {
		wake = l.jobs.Wake(wake)
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
	if l.s.idle == nil || l.polling || l.teams.running || l.jobs.Running() {
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
	l.jobs.RequestAll()
	l.teams.requested = true
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
	l.jobs.RequestAll()
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
