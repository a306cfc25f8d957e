package presence

import (
	"time"
)

// UserView is what the engine can say about one enabled user at an instant,
// from the schedules of the last poll, for status screens (the local API's
// per-user table). It never holds a private event's subject or location:
// Calendar is only the class of the event.
type UserView struct {
	OneCloudUser string
	Mailbox      string
	// Calendar is the class of the event behind the decision, as the CLI's
	// table shows it: "busy", "oof", "free", "busy (private)", ..., or
	// "no event". It is "" when the calendar has not been read yet or could
	// not be (CalendarError then says why).
	Calendar string
	// CalendarError says why the calendar cannot be used now (the mailbox
	// could not be read, the poll's window no longer covers the instant,
	// OneCloud groups are missing); "" before the calendar was first read
	// and when all is well.
	CalendarError string
	// Desired is the presence the rules want now (zero when Calendar is "").
	Desired Desired
	// Rule is the winning rule's index, -1 for the default activity or when
	// unknown.
	Rule int
	// NextChange is the next instant the desired activity or role changes,
	// within the polled window; zero when none is known. NextActivity and
	// NextRole are what they change to.
	NextChange   time.Time
	NextActivity string
	NextRole     string
	// Warning says why the user's working hours cannot be used (say an
	// unknown time zone) when some rule needs them; the other rules still
	// apply. "" when all is well.
	Warning string
}

// UserViews returns a view of every enabled user at now, in config order. It
// makes no network call: it evaluates the rules on the cached schedules, as
// Apply would, without deciding or writing anything.
func (e *Engine) UserViews(now time.Time) []UserView {
	out := make([]UserView, 0, len(e.users))
	for _, u := range e.users {
		v := UserView{OneCloudUser: u.OneCloudUser, Mailbox: u.Mailbox, Rule: -1}
		e.mu.Lock()
		_, read := e.cache[mailboxKey(u.Mailbox)]
		e.mu.Unlock()
		sched, groups, err := e.inputs(u, now)
		switch {
		case err != nil && read:
			v.CalendarError = err.Error()
		case err != nil:
			// Not read yet: nothing to say, and nothing wrong.
		default:
			dec, want := e.decide(sched, groups, now)
			v.Calendar = eventClass(dec, sched.Events, now)
			v.Desired, v.Rule = want, dec.Rule
			v.Warning = e.workingHoursWarning(sched)
			e.mu.Lock()
			end := e.cache[mailboxKey(u.Mailbox)].end
			e.mu.Unlock()
			if t, ok := e.rules.NextChangeFor(sched, groups, now, e.defaultActivity); ok && !t.After(end) {
				next := e.rules.DecideFor(sched, groups, t, e.defaultActivity)
				v.NextChange, v.NextActivity, v.NextRole = t, next.Activity, next.Role
			}
		}
		out = append(out, v)
	}
	return out
}
