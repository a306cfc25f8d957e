package presence

import "time"

// teamsLoop is the scheduler loop's reading of Teams presence: every teams.interval while some
// rule is of type teams, in its own goroutine like a poll, and the users whose Teams activity
// changed decided again at once.
type teamsLoop struct {
	running, requested bool
	next               time.Time
	failures           int    // reads failed in a row
	lastErr            string // the failure last logged, so a lasting one is logged once
}

// teamsResult is what a Teams read hands back to the loop.
type teamsResult struct {
	changed []string
	err     error
}

// teamsDue reports whether a Teams read should start now.
func (l *loop) teamsDue(now time.Time) bool {
	return l.s.eng.UsesTeams() && !l.paused && !l.teams.running && (l.teams.requested || !now.Before(l.teams.next))
}

func (l *loop) startTeams() {
	l.teams.running, l.teams.requested = true, false
	go func() {
		changed, _, err := l.s.eng.PollTeams(l.ctx)
		l.teamsDone <- teamsResult{changed, err}
	}()
}

// teamsFinished schedules the next read (later, with backoff up to a minute, after a failure)
// and decides again the users whose Teams activity changed. Before the first calendar poll
// there is nothing to decide with: that poll's Apply uses the activity read here.
func (l *loop) teamsFinished(r teamsResult) {
	s := l.s
	l.teams.running = false
	now := s.clock.Now()
	interval := s.eng.cfg.TeamsInterval()
	if r.err != nil && l.ctx.Err() == nil {
		l.teams.failures++
		wait := interval
		for i := 1; i < l.teams.failures && wait < time.Minute; i++ {
			wait *= 2
		}
		l.teams.next = now.Add(min(wait, max(time.Minute, interval)))
		if msg := r.err.Error(); msg != l.teams.lastErr {
			l.teams.lastErr = msg
			s.log.Warn("Teams presence could not be read; the calendar rules decide meanwhile", "err", msg)
			s.hub.Publish(Event{Type: EventError, Time: now, Message: msg})
		}
		s.update(func(st *SchedulerStatus) { st.TeamsError = r.err.Error() })
	} else {
		if l.teams.failures > 0 {
			s.log.Info("Teams presence readable again", "after_failures", l.teams.failures)
		}
		l.teams.failures, l.teams.lastErr = 0, ""
		l.teams.next = now.Add(interval)
		s.update(func(st *SchedulerStatus) { st.TeamsRead, st.TeamsError = now, "" })
	}
	if len(r.changed) > 0 && !l.paused && !s.eng.PolledAt().IsZero() {
		l.apply(r.changed, now, "teams")
	}
}
