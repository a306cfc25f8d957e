package presence

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/retry"
)

// PollReport says what a Poll read.
type PollReport struct {
	At            time.Time // the poll's now: the window is [At, At+lookahead]
	GraphRequests int
	OneCloudReads int // the groups read, if any rule needs groups
	Mailboxes     int // distinct mailboxes asked for
	Failed        int // mailboxes that could not be read (kept per user as errors)
	// GroupsErr is the failure to read OneCloud groups, if any: the groups
	// of the previous poll stay in use; with none, every user fails at Apply.
	GroupsErr error
}

// Poll reads the schedules of every enabled user for [now, now+lookahead]
// with one GetSchedules call and, if some rule is scoped to a group, the
// OneCloud groups, and keeps them for Apply and NextBoundary. It returns an
// error only when no schedule at all could be read; the schedules of the
// previous poll are then kept (the scheduler goes on applying boundaries
// from them).
func (e *Engine) Poll(ctx context.Context) (PollReport, error) {
	e.pollMu.Lock()
	defer e.pollMu.Unlock()
	e.progress.start(0) // a new sync: nobody handled yet

	now := e.clock.Now()
	rep := PollReport{At: now}
	var mailboxes []string
	seen := map[string]bool{}
	for _, u := range e.users {
		k := mailboxKey(u.Mailbox)
		if !seen[k] {
			seen[k] = true
			mailboxes = append(mailboxes, u.Mailbox)
		}
	}
	rep.Mailboxes = len(mailboxes)
	if len(mailboxes) == 0 {
		return rep, nil
	}

	before, counted := e.graphRequests()
	scheds, err := e.schedules.GetSchedules(ctx, mailboxes, now, now.Add(e.lookahead))
	if after, ok := e.graphRequests(); ok && counted {
		rep.GraphRequests = after - before
	} else {
		rep.GraphRequests = 1
	}
	if err != nil {
		e.log.Warn("calendars could not be read", "err", err.Error())
		return rep, fmt.Errorf("read calendars: %w", err)
	}

	fresh := make(map[string]cachedSchedule, len(mailboxes))
	end := now.Add(e.lookahead)
	for i, m := range mailboxes {
		c := cachedSchedule{polledAt: now, end: end}
		switch {
		case i >= len(scheds):
			c.err = fmt.Errorf("read calendar of %s: the reader returned no schedule for it", m)
		case scheds[i].Mailbox != "" && mailboxKey(scheds[i].Mailbox) != mailboxKey(m):
			c.err = fmt.Errorf("read calendar of %s: the reader returned the schedule of %s in its place", m, scheds[i].Mailbox)
		case scheds[i].Err != nil:
			c.err = scheds[i].Err
		default:
			c.events = scheds[i].Events
			c.wh, c.whErr = scheds[i].WorkingHours, scheds[i].WorkingHoursErr
		}
		if c.err != nil {
			rep.Failed++
		}
		fresh[mailboxKey(m)] = c
	}

	var groups map[string][]string
	var groupErr error
	if e.groupRules {
		rep.OneCloudReads++
		gs, gerr := e.onecloud.Groups(ctx)
		if gerr != nil {
			groupErr = fmt.Errorf("read OneCloud groups: %w", gerr)
			rep.GroupsErr = groupErr
			e.log.Warn("OneCloud groups could not be read; keeping the previous ones if any", "err", gerr.Error())
		} else {
			groups = map[string][]string{}
			for _, g := range gs {
				for _, m := range g.Members {
					if !slices.Contains(groups[m], g.ID) {
						groups[m] = append(groups[m], g.ID)
					}
				}
			}
		}
	}

	e.mu.Lock()
	e.cache = fresh
	e.polledAt = now
	if groups != nil {
		e.groups, e.groupsOK, e.groupErr = groups, true, nil
	} else if groupErr != nil {
		e.groupErr = groupErr
	}
	e.mu.Unlock()
	return rep, nil
}

// graphRequests reads the Graph client's request counter, if it has one.
func (e *Engine) graphRequests() (int, bool) {
	if s, ok := e.schedules.(graphStatser); ok {
		return int(s.Stats().ScheduleRequests), true
	}
	return 0, false
}

func mailboxKey(m string) string { return strings.ToLower(strings.TrimSpace(m)) }

// PolledAt is the time of the last successful poll (zero before the first).
func (e *Engine) PolledAt() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.polledAt
}

// NextBoundary returns the first instant strictly after now at which the
// desired activity or role of some enabled user changes according to the
// schedules of the last poll, and those users. ok is false when no change
// lies within the polled windows. The scheduler arms one timer for it and
// then calls Apply(ctx, users, t, false).
func (e *Engine) NextBoundary(now time.Time) (t time.Time, users []string, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, u := range e.users {
		c, found := e.cache[mailboxKey(u.Mailbox)]
		if !found || c.err != nil {
			continue
		}
		if e.groupRules && !e.groupsOK {
			continue
		}
		b, changes := e.rules.NextChangeFor(c.schedule(), e.groups[u.OneCloudUser], now, e.defaultActivity)
		if !changes || b.After(c.end) {
			continue
		}
		switch {
		case !ok || b.Before(t):
			t, users, ok = b, []string{u.OneCloudUser}, true
		case b.Equal(t):
			users = append(users, u.OneCloudUser)
		}
	}
	return t, users, ok
}

// SyncOnce runs one full cycle: it checks the config against OneCloud (once
// per engine), polls, and applies for every enabled user at the poll's
// instant. dryRun writes nothing to OneCloud nor to the state file and
// reports would-set where it would write. The error is non-nil when nothing
// could be done: a *ConfigError, or no calendar could be read (then every
// user is reported as an error too); use ExitCode for the exit status.
func (e *Engine) SyncOnce(ctx context.Context, dryRun bool) (Report, error) {
	start := e.clock.Now()
	rep := Report{}
	finish := func() {
		rep.DurationMs = e.clock.Now().Sub(start).Milliseconds()
	}
	reads, err := e.ensureValidated(ctx)
	rep.OneCloudReads += reads
	var ce *ConfigError
	if errors.As(err, &ce) {
		finish() // a config problem concerns no user in particular
		return rep, err
	}
	if err == nil {
		var pr PollReport
		pr, err = e.Poll(ctx)
		rep.GraphRequests += pr.GraphRequests
		rep.OneCloudReads += pr.OneCloudReads
		if err == nil && e.UsesTeams() {
			// Teams first, so the one Apply below decides with it; a Teams failure leaves
			// the calendar rules to decide and is each user's warning.
			_, n, terr := e.PollTeams(ctx)
			rep.GraphRequests += n
			if terr != nil && ctx.Err() != nil {
				err = terr
			}
		}
		if err == nil {
			var ar Report
			ar, err = e.Apply(ctx, nil, pr.At, dryRun)
			rep.OneCloudReads += ar.OneCloudReads
			rep.OneCloudWrites += ar.OneCloudWrites
			rep.Users = ar.Users
			finish()
			return rep, err
		}
	}
	// Nothing could be read: every user failed for the same reason.
	for _, u := range e.users {
		rep.Users = append(rep.Users, UserReport{OneCloudUser: u.OneCloudUser, Mailbox: u.Mailbox,
			Rule: -1, Action: ActionError, Error: err.Error()})
	}
	rep.Users = append(rep.Users, e.duplicateReports()...)
	finish()
	return rep, err
}

func (e *Engine) duplicateReports() []UserReport {
	var out []UserReport
	for _, u := range e.duplicates {
		out = append(out, UserReport{OneCloudUser: u.OneCloudUser, Mailbox: u.Mailbox, Rule: -1, Action: ActionError,
			Error: fmt.Sprintf("onecloudUser %s is listed more than once among the enabled users; only the first entry is synced", u.OneCloudUser)})
	}
	return out
}

// applyProgress counts the users a sync's Apply has handled, for status
// screens; its workers add to done as each user is decided (and written).
type applyProgress struct{ done, total atomic.Int64 }

func (p *applyProgress) start(total int) {
	p.done.Store(0) // first, so a reader never sees an old count over a new total
	p.total.Store(int64(total))
}

// Progress says how far the current sync is: the users its Apply has handled
// and how many it has to. total is 0 while the sync is still reading
// calendars (Poll), before Apply knows its users; after the sync both stay as
// they ended until the next one.
func (e *Engine) Progress() (done, total int) {
	total = int(e.progress.total.Load())
	done = min(int(e.progress.done.Load()), total)
	return done, total
}

// counts accumulates the OneCloud calls of one Apply across its workers,
// and is its circuit breaker: once a call fails in a way that says OneCloud
// itself is unavailable (a transient error the client's retries could not
// overcome: 5xx, 429, timeouts, refused connections), the users left in
// this Apply are not tried. Each would otherwise wait out the same retries,
// and a boundary of 200 users would stall the scheduler for minutes. They
// are reported as errors, which clears any kept-manual mark, and the next
// poll (every interval, or sooner after failures) decides them all again,
// so no transition is lost, only delayed until OneCloud answers.
type counts struct {
	reads, writes atomic.Int64
	down          atomic.Pointer[error] // why OneCloud is considered unavailable
	skipped       atomic.Int64          // users not tried because of down
}

// trip records err as OneCloud being unavailable if it is such an error.
func (c *counts) trip(err error) {
	if retry.IsTransient(err) {
		c.down.CompareAndSwap(nil, &err)
	}
}

// unavailable returns why OneCloud is considered unavailable, or nil.
func (c *counts) unavailable() error {
	if p := c.down.Load(); p != nil {
		return *p
	}
	return nil
}

// Apply decides and writes, at instant now, for the given OneCloud user ids
// (nil: every enabled user, plus an error line for each duplicate entry),
// from the schedules of the last poll; it makes no Graph call. Users are
// reported in config order; an id that is not an enabled user is reported
// as an error. Unless dryRun, the state file is saved afterwards if anything
// changed. The returned error is a *ConfigError from the OneCloud check,
// a failure to read OneCloud's lists for that check, or ctx's error.
func (e *Engine) Apply(ctx context.Context, users []string, now time.Time, dryRun bool) (Report, error) {
	e.applyMu.Lock()
	defer e.applyMu.Unlock()
	start := e.clock.Now()
	rep := Report{}
	reads, err := e.ensureValidated(ctx)
	rep.OneCloudReads += reads
	if err != nil {
		rep.DurationMs = e.clock.Now().Sub(start).Milliseconds()
		return rep, err
	}

	var todo []config.User
	var extra []UserReport
	if users == nil {
		todo = e.users
		extra = e.duplicateReports()
	} else {
		want := map[string]bool{}
		for _, id := range users {
			want[id] = true
		}
		for _, u := range e.users {
			if want[u.OneCloudUser] {
				todo = append(todo, u)
				delete(want, u.OneCloudUser)
			}
		}
		for _, id := range users {
			if want[id] {
				delete(want, id)
				extra = append(extra, UserReport{OneCloudUser: id, Rule: -1, Action: ActionError,
					Error: fmt.Sprintf("OneCloud user %s is not an enabled user in the config", id)})
			}
		}
	}

	// Only an Apply for everyone is a sync's progress; a boundary's few
	// users are not.
	track := users == nil
	if track {
		e.progress.start(len(todo))
	}
	var cnt counts
	out := make([]UserReport, len(todo))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(e.workers, len(todo)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				out[i] = e.applyUser(ctx, todo[i], now, dryRun, &cnt)
				if track {
					e.progress.done.Add(1)
				}
			}
		}()
	}
	for i := range todo {
		jobs <- i
	}
	close(jobs)
	wg.Wait()

	rep.Users = append(out, extra...)
	rep.OneCloudReads += int(cnt.reads.Load())
	rep.OneCloudWrites += int(cnt.writes.Load())
	if n := cnt.skipped.Load(); n > 0 {
		e.log.Warn("OneCloud unavailable; users left for the next poll", "skipped", n, "err", cnt.unavailable().Error())
	}
	if !dryRun {
		if err := e.store.Save(); err != nil {
			// The writes happened and the state in memory is right; a lost
			// save only costs reads after a restart (see State).
			e.log.Error("state could not be saved", "path", e.store.Path(), "err", err.Error())
		}
	}
	rep.DurationMs = e.clock.Now().Sub(start).Milliseconds()
	return rep, ctx.Err()
}

// inputs returns a user's cached schedule and groups, or why there are none.
func (e *Engine) inputs(u config.User, now time.Time) (calendar.Schedule, []string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.cache[mailboxKey(u.Mailbox)]
	switch {
	case !ok:
		return calendar.Schedule{}, nil, fmt.Errorf("calendar of %s not read yet", u.Mailbox)
	case c.err != nil:
		return calendar.Schedule{}, nil, c.err
	case now.Before(c.polledAt) || now.After(c.end):
		return calendar.Schedule{}, nil, fmt.Errorf("calendar of %s was read for %s to %s, which does not cover %s",
			u.Mailbox, c.polledAt.UTC().Format(time.RFC3339), c.end.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if e.groupRules && !e.groupsOK {
		err := e.groupErr
		if err == nil {
			err = errors.New("OneCloud groups not read yet")
		}
		return calendar.Schedule{}, nil, err
	}
	sched := c.schedule()
	sched.TeamsActivity = e.teams[mailboxKey(u.Mailbox)].activity
	return sched, e.groups[u.OneCloudUser], nil
}

// schedule is what the rules evaluate: the events and the working hours.
func (c cachedSchedule) schedule() calendar.Schedule {
	return calendar.Schedule{Events: c.events, WorkingHours: c.wh, WorkingHoursErr: c.whErr}
}

// workingHoursWarning is the user's working-hours problem worth showing:
// only when some rule needs working hours and the mailbox's could not be
// read (say an unknown zone). The other rules still apply.
func (e *Engine) workingHoursWarning(sched calendar.Schedule) string {
	if !e.rules.UsesWorkingHours() || sched.WorkingHoursErr == nil {
		return ""
	}
	return "working hours not used: " + sched.WorkingHoursErr.Error()
}

func untilText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
