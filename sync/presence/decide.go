package presence

import (
	"fmt"
	"strings"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/onecloud"
	"github.com/calsync/calsync/sync/rules"
	"github.com/calsync/calsync/sync/teams"
)

// Desired is the presence the rules want for a user at an instant.
//
// Role "" means "leave the role as it is": any current role satisfies it,
// and a write keeps the current one. Until is zero for the default activity
// and otherwise the end of the run of in-progress matching events that keep
// the same activity and role: back-to-back meetings yield one presence
// until the last one ends, so nothing is rewritten at the seam. Until is in
// UTC with whole seconds, as OneCloud stores it.
//
// The note ("Calendar: busy until 14:30") takes no part in any comparison:
// it is an explanation we may reword freely, so a different note alone is
// never worth a write, nor evidence that a person changed the presence.
type Desired struct {
	Activity string    `json:"activity"`
	Role     string    `json:"role,omitempty"`
	Until    time.Time `json:"until,omitzero"`
}

// IsZero reports whether no desired presence is recorded.
func (d Desired) IsZero() bool { return d.Activity == "" }

// Equal reports whether d and o are the same desired presence.
func (d Desired) Equal(o Desired) bool {
	return d.Activity == o.Activity && d.Role == o.Role && sameUntil(d.Until, o.Until)
}

// satisfiedBy reports whether a presence (current or applied) already is
// what d asks for: same activity, same until to the second, and the same
// role unless d leaves the role alone.
func (d Desired) satisfiedBy(activity, role string, until time.Time) bool {
	return activity == d.Activity && (d.Role == "" || role == d.Role) && sameUntil(until, d.Until)
}

// sameUntil compares two untils to the second; zero (open-ended) equals only
// zero.
func sameUntil(a, b time.Time) bool {
	if a.IsZero() || b.IsZero() {
		return a.IsZero() && b.IsZero()
	}
	return a.Unix() == b.Unix()
}

// maxRun bounds the merging of back-to-back events into one until.
const maxRun = 64

// decide evaluates the rules for a user at now and extends Until over the
// run of following events that keep the same activity and role, up to the
// next change.
func (e *Engine) decide(sched calendar.Schedule, groups []string, now time.Time) (rules.Decision, Desired) {
	d := e.rules.DecideFor(sched, groups, now, e.defaultActivity)
	until := d.Until
	for i := 0; i < maxRun && !until.IsZero(); i++ {
		next := e.rules.DecideFor(sched, groups, until, e.defaultActivity)
		if next.Rule == -1 || next.Activity != d.Activity || next.Role != d.Role || !next.Until.After(until) {
			break
		}
		until = next.Until
	}
	// Never promise past the next change of activity or role: an
	// overlapping event of another rule may take over before the run ends.
	// This also keeps until constant between changes, so boundaries that
	// change nothing cause no write. Outside working hours, though, until
	// says when the person is back (the next start), which an evening
	// meeting does not change: the meeting's start rewrites it anyway.
	if !until.IsZero() && !isWorkingHours(d) {
		if next, ok := e.rules.NextChangeFor(sched, groups, now, e.defaultActivity); ok && next.Before(until) {
			until = next
		}
	}
	want := Desired{Activity: d.Activity, Role: d.Role}
	if !until.IsZero() {
		want.Until = until.UTC().Truncate(time.Second)
	}
	return d, want
}

// overwriteReason says why the current presence may be replaced, or "" when
// a person set it and it must be kept. It may be replaced when it is
//   - "default": the default activity with no until (role and note do not
//     matter: the default leaves the role alone and notes do not count);
//   - "lapsed": any activity whose until is not after now; whoever set it
//     said it would be over by now;
//   - "ours": equal (activity, role, until to the second) to the presence
//     this program last applied, or to the write whose answer it never got;
//   - "ours (Teams)": with no record at all (a lost state), an open-ended
//     presence whose note is the one a teams rule writes ("Teams: ..."): it
//     has no until to lapse by, so without this it would stay for good.
func (e *Engine) overwriteReason(cur onecloud.Presence, st UserState, now time.Time) string {
	switch {
	case cur.Activity == e.defaultActivity && cur.Until.IsZero():
		return "default"
	case !cur.Until.IsZero() && !cur.Until.After(now):
		return "lapsed"
	case !st.Applied.IsZero() && st.Applied.presence().Equal(cur):
		return "ours"
	case !st.Attempted.IsZero() && st.Attempted.presence().Equal(cur):
		return "ours"
	case st.Applied.IsZero() && st.Attempted.IsZero() && cur.Until.IsZero() && e.rules.UsesTeams() &&
		strings.HasPrefix(cur.Note, teamsNotePrefix):
		return "ours (Teams)"
	}
	return ""
}

func (p AppliedPresence) presence() onecloud.Presence {
	return onecloud.Presence{Activity: p.Activity, Role: p.Role, Note: p.Note, Until: p.Until}
}

func appliedFrom(p onecloud.Presence, at time.Time) AppliedPresence {
	a := AppliedPresence{Activity: p.Activity, Role: p.Role, Note: p.Note, At: at.UTC()}
	if !p.Until.IsZero() {
		a.Until = p.Until.UTC().Truncate(time.Second)
	}
	return a
}

// teamsNotePrefix begins the note of every presence a teams rule writes.
const teamsNotePrefix = "Teams: "

// isWorkingHours reports whether a workinghours rule made the decision:
// only those and teams rules win without an event.
func isWorkingHours(d rules.Decision) bool {
	return d.Rule >= 0 && d.Event == nil && d.TeamsActivity == ""
}

// statusWords names an availability for people.
func statusWords(s calendar.Status) string {
	switch s {
	case calendar.OOF:
		return "out of office"
	case calendar.WorkingElsewhere:
		return "working elsewhere"
	case "":
		return "busy"
	}
	return string(s)
}

// note explains a rule's presence for whoever sees it in OneCloud, e.g.
// "Calendar: busy until 14:30", "Outside working hours until Tue 8 Dec
// 08:00" or "Teams: in a call". It names only the availability of the event, never its subject or
// location, so it is safe for private events too.
// Times are in loc (the machine's zone: OneCloud does not tell us the
// user's); a day other than now's is named. The default presence has no note.
func note(d rules.Decision, want Desired, now time.Time, loc *time.Location) string {
	if d.Rule < 0 {
		return ""
	}
	var s string
	switch {
	case isWorkingHours(d):
		s = "Outside working hours"
	case d.TeamsActivity != "":
		return teamsNotePrefix + teams.Words(d.TeamsActivity)
	case d.Event == nil:
		return ""
	default:
		s = "Calendar: " + statusWords(d.Event.Status)
	}
	if want.Until.IsZero() {
		return s
	}
	u, n := want.Until.In(loc), now.In(loc)
	if u.Year() == n.Year() && u.YearDay() == n.YearDay() {
		return s + " until " + u.Format("15:04")
	}
	return s + " until " + u.Format("Mon 2 Jan 15:04")
}

// eventClass describes, for the human table, the event behind a decision:
// its availability, "(private)" when it is private, and never its text.
// With no matching rule, or a teams rule (Teams is no calendar event), it
// describes the first event in progress, or says "no event".
func eventClass(d rules.Decision, events []calendar.Event, now time.Time) string {
	if isWorkingHours(d) {
		return "outside working hours"
	}
	ev := d.Event
	if ev == nil {
		for i := range events {
			if events[i].InProgress(now) {
				ev = &events[i]
				break
			}
		}
	}
	if ev == nil {
		return "no event"
	}
	s := string(ev.Status)
	if s == "" {
		s = string(calendar.Unknown)
	}
	if ev.Private {
		s = fmt.Sprintf("%s (private)", s)
	}
	return s
}
