// Package rules turns a user's calendar into the OneCloud presence it should
// show: it checks and compiles the admin's mapping rules and, for the events
// in progress at an instant, picks the winning rule and the resulting
// activity, role and until. It is pure: no I/O, no clock, no logging; the
// engine brings the events, the user's groups and the time.
//
// Evaluation (docs/rules.md): the rules of the user's groups come first, then
// the organization rules, each in config order; the first rule that matches
// any event in progress (start <= now < end) wins. Subject and location rules
// never look at a private event. A workinghours rule matches when the
// instant is outside the working hours the user's mailbox publishes; a
// mailbox that publishes none never matches it. A teams rule matches while
// the user's Teams activity is its match; its presence has no until.
package rules

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/teams"
)

// Set is a compiled rule list, safe for concurrent use (it is never modified
// after Compile).
type Set struct {
	rules []rule // config order; rules[i].index == i
	group []int  // indices of group-scoped rules, config order
	org   []int  // indices of organization rules, config order
	// workingHours: some rule is of type workinghours, so working-hours
	// boundaries can change a decision.
	workingHours bool
	// teams: some rule is of type teams, so Teams presence must be read.
	teams bool
}

// rule is one config rule, checked and prepared for matching.
type rule struct {
	index    int
	kind     string // one of the config.Type* constants
	group    string // OneCloud group id; "" for an organization rule
	status   calendar.Status
	private  bool
	text     string // the pattern as written, trimmed, for Describe
	teams    string // the Teams activity a teams rule matches, as Microsoft spells it
	pattern  pattern
	activity string
	role     string
}

// Decision is the presence the rules want for one user at one instant.
type Decision struct {
	Rule     int    // index in the config's rules of the winning rule; -1 = default activity
	Activity string // OneCloud activity id
	Role     string // OneCloud role id; "" = leave the role as it is
	// Until is the end of the latest-ending in-progress event that the
	// winning rule matches, or for a workinghours rule the next start of
	// working hours (zero when the mailbox has no working day); zero when
	// the default or a teams rule applies (a Teams activity has no end).
	Until time.Time
	// TeamsActivity is the Teams activity that decided, as Microsoft spells it, when a teams
	// rule won; "" otherwise.
	TeamsActivity string
	// Event is that event, pointing into the slice given to Decide; nil for
	// the default, a workinghours rule and a teams rule. Callers must not show or log
	// Subject/Location of an event with Private set.
	Event *calendar.Event
}

// Compile checks the rules and prepares them for Decide, keeping config
// order. Every bad field is reported, each naming its rule and field
// ("rules[3].match: ..."), joined into one error.
func Compile(rs []config.Rule) (*Set, error) {
	s := &Set{rules: make([]rule, 0, len(rs))}
	var errs []error
	for i, cr := range rs {
		r, rerrs := compileRule(i, cr)
		errs = append(errs, rerrs...)
		s.rules = append(s.rules, r)
		s.workingHours = s.workingHours || r.kind == config.TypeWorkingHours
		s.teams = s.teams || r.kind == config.TypeTeams
		if r.group != "" {
			s.group = append(s.group, i)
		} else {
			s.org = append(s.org, i)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

func compileRule(i int, cr config.Rule) (rule, []error) {
	r := rule{
		index:    i,
		activity: strings.TrimSpace(cr.Activity),
		role:     strings.TrimSpace(cr.Role),
	}
	var errs []error
	fail := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("rules[%d].%s: %s", i, field, fmt.Sprintf(format, args...)))
	}

	scope := strings.TrimSpace(cr.Scope)
	switch {
	case strings.EqualFold(scope, config.ScopeOrganization):
	case len(scope) >= len(config.ScopeGroupPrefix) &&
		strings.EqualFold(scope[:len(config.ScopeGroupPrefix)], config.ScopeGroupPrefix):
		r.group = strings.TrimSpace(scope[len(config.ScopeGroupPrefix):])
		if r.group == "" {
			fail("scope", "%q has no group id; expected %q", cr.Scope, "group:<OneCloud group id>")
		}
	default:
		fail("scope", "unknown scope %q; expected %q or %q", cr.Scope, config.ScopeOrganization, "group:<OneCloud group id>")
	}

	match := strings.TrimSpace(cr.Match)
	r.text = match
	switch kind := strings.ToLower(strings.TrimSpace(cr.Type)); kind {
	case config.TypeAvailability:
		r.kind = kind
		st, err := calendar.ParseStatus(match)
		if err != nil {
			errs = append(errs, fmt.Errorf("rules[%d].match: %w", i, err))
		}
		r.status = st
	case config.TypeSubject, config.TypeLocation:
		r.kind = kind
		// An empty pattern would match exactly the events whose text we
		// cannot see (no Reviewer rights): surely not what was meant.
		if match == "" {
			fail("match", "empty %s pattern; expected text with optional * wildcards (\"*\" matches any %s)", kind, kind)
		}
		r.pattern = compilePattern(match)
	case config.TypePrivate:
		r.kind = kind
		switch {
		case strings.EqualFold(match, "true"):
			r.private = true
		case strings.EqualFold(match, "false"):
			r.private = false
		default:
			fail("match", "%q is not a private flag; expected \"true\" or \"false\"", cr.Match)
		}
	case config.TypeWorkingHours:
		r.kind = kind
		if !strings.EqualFold(match, config.MatchOutside) {
			fail("match", "%q is not a working-hours match; expected %q, the only one", cr.Match, config.MatchOutside)
		}
	case config.TypeTeams:
		r.kind = kind
		a, err := teams.ParseActivity(match)
		if err != nil {
			errs = append(errs, fmt.Errorf("rules[%d].match: %w", i, err))
		}
		r.teams = a
	default:
		fail("type", "unknown rule type %q; expected one of %s, %s, %s, %s, %s, %s", cr.Type,
			config.TypeAvailability, config.TypeSubject, config.TypeLocation, config.TypePrivate,
			config.TypeWorkingHours, config.TypeTeams)
	}

	if r.activity == "" {
		fail("activity", "empty; expected a OneCloud activity id")
	}
	return r, errs
}

// Len is the number of rules in the set.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.rules)
}

// Decide picks the presence for one user at now. Rules of the user's groups
// (scope "group:<id>" with id in groups) come first, then organization rules,
// each in config order; the first rule that matches any event in progress
// (start <= now < end) wins, and Until is the end of the latest-ending
// in-progress event it matches. When no rule matches, the result is
// defaultActivity with Rule -1, no role and a zero Until. A nil Set has no
// rules.
//
// Decide knows no working hours, so workinghours rules never match; use
// DecideFor to give them.
func (s *Set) Decide(events []calendar.Event, groups []string, now time.Time, defaultActivity string) Decision {
	return s.DecideFor(calendar.Schedule{Events: events}, groups, now, defaultActivity)
}

// DecideFor is Decide over a whole schedule: its Events, and its
// WorkingHours for workinghours rules (nil never matches). Rule order alone
// decides between an event rule and a workinghours rule.
func (s *Set) DecideFor(sched calendar.Schedule, groups []string, now time.Time, defaultActivity string) Decision {
	if s != nil {
		for _, i := range s.group {
			r := &s.rules[i]
			if !slices.Contains(groups, r.group) {
				continue
			}
			if d, ok := r.decide(sched, now); ok {
				return d
			}
		}
		for _, i := range s.org {
			if d, ok := s.rules[i].decide(sched, now); ok {
				return d
			}
		}
	}
	return Decision{Rule: -1, Activity: defaultActivity}
}

// UsesWorkingHours reports whether some rule is a workinghours rule: only
// then can working-hours boundaries change a decision.
func (s *Set) UsesWorkingHours() bool { return s != nil && s.workingHours }

// UsesTeams reports whether some rule is a teams rule: only then is Teams
// presence read.
func (s *Set) UsesTeams() bool { return s != nil && s.teams }

// decide applies one rule to the schedule at now.
func (r *rule) decide(sched calendar.Schedule, now time.Time) (Decision, bool) {
	if r.kind == config.TypeTeams {
		if !strings.EqualFold(strings.TrimSpace(sched.TeamsActivity), r.teams) {
			return Decision{}, false
		}
		return Decision{Rule: r.index, Activity: r.activity, Role: r.role, TeamsActivity: r.teams}, true
	}
	if r.kind == config.TypeWorkingHours {
		wh := sched.WorkingHours
		if wh == nil || !wh.Outside(now) {
			return Decision{}, false
		}
		return Decision{Rule: r.index, Activity: r.activity, Role: r.role, Until: wh.NextStart(now)}, true
	}
	events := sched.Events
	var last *calendar.Event
	for k := range events {
		e := &events[k]
		if !e.InProgress(now) || !r.matches(e) {
			continue
		}
		if last == nil || e.End.After(last.End) {
			last = e
		}
	}
	if last == nil {
		return Decision{}, false
	}
	return Decision{Rule: r.index, Activity: r.activity, Role: r.role, Until: last.End, Event: last}, true
}

// matches reports whether the rule matches the event, whenever it happens.
func (r *rule) matches(e *calendar.Event) bool {
	switch r.kind {
	case config.TypeAvailability:
		// Graph statuses come parsed already; EqualFold only guards against
		// a reader that passed "Busy" through unparsed.
		return strings.EqualFold(string(e.Status), string(r.status))
	case config.TypeSubject:
		return !e.Private && r.pattern.match(e.Subject)
	case config.TypeLocation:
		return !e.Private && r.pattern.match(e.Location)
	case config.TypePrivate:
		return e.Private == r.private
	}
	return false
}

// NextChange returns the first event boundary (a start or end, strictly after
// now) at which Decide's Activity or Role differs from what it is at now; ok
// is false when nothing changes within the events given. A boundary where
// only Until or the winning rule changes is not a change, so back-to-back
// events that lead to the same presence cause no re-evaluation at the seam;
// Decide at any instant still reports the current Until.
func (s *Set) NextChange(events []calendar.Event, groups []string, now time.Time, defaultActivity string) (time.Time, bool) {
	return s.NextChangeFor(calendar.Schedule{Events: events}, groups, now, defaultActivity)
}

// NextChangeFor is NextChange over a whole schedule: the starts and ends
// of its working hours are boundaries too when a workinghours rule exists.
// Past the last event boundary only working hours can change anything, and
// two of their boundaries (an end and a start) show whether they do, so
// the search stops there.
func (s *Set) NextChangeFor(sched calendar.Schedule, groups []string, now time.Time, defaultActivity string) (time.Time, bool) {
	cur := s.DecideFor(sched, groups, now, defaultActivity)
	events := sched.Boundaries(now)
	wh := sched.WorkingHours
	if !s.UsesWorkingHours() {
		wh = nil
	}
	nextWH := time.Time{}
	if wh != nil {
		nextWH = wh.NextBoundary(now)
	}
	afterEvents := 0
	for len(events) > 0 || !nextWH.IsZero() {
		var b time.Time
		switch {
		case len(events) > 0 && (nextWH.IsZero() || !nextWH.Before(events[0])):
			b = events[0]
			events = events[1:]
			if b.Equal(nextWH) {
				nextWH = wh.NextBoundary(b)
			}
		default:
			b = nextWH
			nextWH = wh.NextBoundary(b)
			if len(events) == 0 {
				if afterEvents++; afterEvents > 2 {
					return time.Time{}, false
				}
			}
		}
		d := s.DecideFor(sched, groups, b, defaultActivity)
		if d.Activity != cur.Activity || d.Role != cur.Role {
			return b, true
		}
	}
	return time.Time{}, false
}

// Describe says in one line what rule i does, for the CLI and the GUI, e.g.
// `availability is busy -> meeting` or
// `group sales: subject matches "*lunch*" -> lunch, role canteen`.
// Rule -1 is the default activity. Subject/location patterns are the admin's
// own text, never event text, so they are safe to show.
func (s *Set) Describe(i int) string {
	if i == -1 {
		return "no rule matches -> default activity"
	}
	if i < 0 || i >= s.Len() {
		return fmt.Sprintf("no rule %d", i)
	}
	r := &s.rules[i]
	var b strings.Builder
	if r.group != "" {
		fmt.Fprintf(&b, "group %s: ", r.group)
	}
	switch r.kind {
	case config.TypeAvailability:
		fmt.Fprintf(&b, "availability is %s", r.status)
	case config.TypeSubject, config.TypeLocation:
		fmt.Fprintf(&b, "%s matches %q", r.kind, r.text)
	case config.TypePrivate:
		fmt.Fprintf(&b, "private is %t", r.private)
	case config.TypeWorkingHours:
		b.WriteString("outside working hours")
	case config.TypeTeams:
		fmt.Fprintf(&b, "Teams activity is %s", r.teams)
	}
	fmt.Fprintf(&b, " -> %s", r.activity)
	if r.role != "" {
		fmt.Fprintf(&b, ", role %s", r.role)
	}
	return b.String()
}
