package rules

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/config"
)

// day is Wednesday 25 November 2026, 00:00 UTC; at(10, 30) is 10:30 that day.
var day = time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)

func at(h, m int) time.Time {
	return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
}

func ev(from, to time.Time, st calendar.Status, subject, location string, private bool) calendar.Event {
	return calendar.Event{Start: from, End: to, Status: st, Subject: subject, Location: location, Private: private}
}

func busy(from, to time.Time) calendar.Event { return ev(from, to, calendar.Busy, "", "", false) }

func org(typ, match, activity string) config.Rule {
	return config.Rule{Scope: config.ScopeOrganization, Type: typ, Match: match, Activity: activity}
}

func group(id, typ, match, activity string) config.Rule {
	return config.Rule{Scope: config.ScopeGroupPrefix + id, Type: typ, Match: match, Activity: activity}
}

func withRole(r config.Rule, role string) config.Rule { r.Role = role; return r }

func mustCompile(t testing.TB, rs []config.Rule) *Set {
	t.Helper()
	s, err := Compile(rs)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return s
}

func TestDecide(t *testing.T) {
	busyMeeting := org(config.TypeAvailability, "busy", "meeting")
	tests := []struct {
		name   string
		rules  []config.Rule
		groups []string
		events []calendar.Event
		now    time.Time
		// want: winning rule, activity, role, until, and the index in events
		// of Decision.Event (-1 for nil).
		rule     int
		activity string
		role     string
		until    time.Time
		event    int
	}{
		{
			name:   "no events",
			rules:  []config.Rule{busyMeeting},
			events: nil, now: at(10, 0),
			rule: -1, activity: "available", event: -1,
		},
		{
			name:   "no rules",
			rules:  nil,
			events: []calendar.Event{busy(at(9, 0), at(11, 0))}, now: at(10, 0),
			rule: -1, activity: "available", event: -1,
		},

		// Availability.
		{
			name:   "availability busy",
			rules:  []config.Rule{busyMeeting},
			events: []calendar.Event{busy(at(10, 0), at(11, 0))}, now: at(10, 30),
			rule: 0, activity: "meeting", until: at(11, 0), event: 0,
		},
		{
			name:   "availability config case-insensitive",
			rules:  []config.Rule{org(config.TypeAvailability, " OOF ", "away")},
			events: []calendar.Event{ev(at(8, 0), at(18, 0), calendar.OOF, "", "", false)}, now: at(12, 0),
			rule: 0, activity: "away", until: at(18, 0), event: 0,
		},
		{
			name:   "availability event status unparsed",
			rules:  []config.Rule{org(config.TypeAvailability, "workingElsewhere", "business-trip")},
			events: []calendar.Event{ev(at(8, 0), at(18, 0), "WorkingElsewhere", "", "", false)}, now: at(12, 0),
			rule: 0, activity: "business-trip", until: at(18, 0), event: 0,
		},
		{
			name:   "availability other status",
			rules:  []config.Rule{busyMeeting},
			events: []calendar.Event{ev(at(10, 0), at(11, 0), calendar.Tentative, "", "", false)}, now: at(10, 30),
			rule: -1, activity: "available", event: -1,
		},
		{
			name:   "availability matches private event",
			rules:  []config.Rule{busyMeeting},
			events: []calendar.Event{ev(at(10, 0), at(11, 0), calendar.Busy, "", "", true)}, now: at(10, 30),
			rule: 0, activity: "meeting", until: at(11, 0), event: 0,
		},
		{
			name:   "role carried",
			rules:  []config.Rule{withRole(busyMeeting, "office")},
			events: []calendar.Event{busy(at(10, 0), at(11, 0))}, now: at(10, 30),
			rule: 0, activity: "meeting", role: "office", until: at(11, 0), event: 0,
		},

		// Subject and location.
		{
			name:   "subject contains",
			rules:  []config.Rule{org(config.TypeSubject, "*lunch*", "lunch"), busyMeeting},
			events: []calendar.Event{ev(at(12, 0), at(13, 0), calendar.Busy, "Team LUNCH", "", false)}, now: at(12, 0),
			rule: 0, activity: "lunch", until: at(13, 0), event: 0,
		},
		{
			name:   "subject no match falls through",
			rules:  []config.Rule{org(config.TypeSubject, "*lunch*", "lunch"), busyMeeting},
			events: []calendar.Event{ev(at(12, 0), at(13, 0), calendar.Busy, "Budget review", "", false)}, now: at(12, 0),
			rule: 1, activity: "meeting", until: at(13, 0), event: 0,
		},
		{
			name:   "subject unicode",
			rules:  []config.Rule{org(config.TypeSubject, "*ÉQUIPE*", "meeting")},
			events: []calendar.Event{ev(at(9, 0), at(10, 0), calendar.Busy, "Réunion d'équipe", "", false)}, now: at(9, 0),
			rule: 0, activity: "meeting", until: at(10, 0), event: 0,
		},
		{
			name:   "subject never sees private event",
			rules:  []config.Rule{org(config.TypeSubject, "*lunch*", "lunch")},
			events: []calendar.Event{ev(at(12, 0), at(13, 0), calendar.Busy, "lunch", "", true)}, now: at(12, 30),
			rule: -1, activity: "available", event: -1,
		},
		{
			name:   "subject star matches empty subject",
			rules:  []config.Rule{org(config.TypeSubject, "*", "busy")},
			events: []calendar.Event{ev(at(12, 0), at(13, 0), calendar.Free, "", "", false)}, now: at(12, 30),
			rule: 0, activity: "busy", until: at(13, 0), event: 0,
		},
		{
			name:   "subject star skips private event",
			rules:  []config.Rule{org(config.TypeSubject, "*", "busy")},
			events: []calendar.Event{ev(at(12, 0), at(13, 0), calendar.Busy, "", "", true)}, now: at(12, 30),
			rule: -1, activity: "available", event: -1,
		},
		{
			name:   "subject pattern on empty subject",
			rules:  []config.Rule{org(config.TypeSubject, "*lunch*", "lunch")},
			events: []calendar.Event{ev(at(12, 0), at(13, 0), calendar.Busy, "", "", false)}, now: at(12, 30),
			rule: -1, activity: "available", event: -1,
		},
		{
			name:   "location prefix",
			rules:  []config.Rule{withRole(org(config.TypeLocation, "Room *", "meeting"), "office")},
			events: []calendar.Event{ev(at(14, 0), at(15, 0), calendar.Busy, "Sync", "room 4.12", false)}, now: at(14, 59),
			rule: 0, activity: "meeting", role: "office", until: at(15, 0), event: 0,
		},
		{
			name:   "location is not subject",
			rules:  []config.Rule{org(config.TypeLocation, "*lunch*", "lunch")},
			events: []calendar.Event{ev(at(12, 0), at(13, 0), calendar.Busy, "lunch", "Canteen", false)}, now: at(12, 30),
			rule: -1, activity: "available", event: -1,
		},
		{
			name:   "location never sees private event",
			rules:  []config.Rule{org(config.TypeLocation, "*", "meeting")},
			events: []calendar.Event{ev(at(12, 0), at(13, 0), calendar.Busy, "", "Clinic", true)}, now: at(12, 30),
			rule: -1, activity: "available", event: -1,
		},

		// Private.
		{
			name:   "private true matches private event",
			rules:  []config.Rule{org(config.TypePrivate, "true", "busy")},
			events: []calendar.Event{ev(at(16, 0), at(17, 0), calendar.Busy, "", "", true)}, now: at(16, 0),
			rule: 0, activity: "busy", until: at(17, 0), event: 0,
		},
		{
			name:   "private true skips public event",
			rules:  []config.Rule{org(config.TypePrivate, "true", "busy")},
			events: []calendar.Event{busy(at(16, 0), at(17, 0))}, now: at(16, 0),
			rule: -1, activity: "available", event: -1,
		},
		{
			name:   "private false matches public event",
			rules:  []config.Rule{org(config.TypePrivate, "FALSE", "meeting")},
			events: []calendar.Event{ev(at(16, 0), at(17, 0), calendar.Busy, "", "", true), busy(at(16, 0), at(16, 30))}, now: at(16, 0),
			rule: 0, activity: "meeting", until: at(16, 30), event: 1,
		},
		{
			name: "private subject rule before private rule",
			rules: []config.Rule{
				org(config.TypeSubject, "*doctor*", "away"),
				org(config.TypePrivate, "true", "busy"),
			},
			events: []calendar.Event{ev(at(16, 0), at(17, 0), calendar.Busy, "Doctor", "", true)}, now: at(16, 0),
			rule: 1, activity: "busy", until: at(17, 0), event: 0,
		},

		// Scope order.
		{
			name: "group rule before earlier org rule",
			rules: []config.Rule{
				busyMeeting,
				group("sales", config.TypeAvailability, "busy", "customer-call"),
			},
			groups: []string{"sales"},
			events: []calendar.Event{busy(at(10, 0), at(11, 0))}, now: at(10, 0),
			rule: 1, activity: "customer-call", until: at(11, 0), event: 0,
		},
		{
			name: "group rule of other group skipped",
			rules: []config.Rule{
				group("support", config.TypeAvailability, "busy", "customer-call"),
				busyMeeting,
			},
			groups: []string{"sales"},
			events: []calendar.Event{busy(at(10, 0), at(11, 0))}, now: at(10, 0),
			rule: 1, activity: "meeting", until: at(11, 0), event: 0,
		},
		{
			name: "group rule without groups skipped",
			rules: []config.Rule{
				group("sales", config.TypeAvailability, "busy", "customer-call"),
			},
			events: []calendar.Event{busy(at(10, 0), at(11, 0))}, now: at(10, 0),
			rule: -1, activity: "available", event: -1,
		},
		{
			name: "group id compared exactly",
			rules: []config.Rule{
				group("Sales", config.TypeAvailability, "busy", "customer-call"),
			},
			groups: []string{"sales"},
			events: []calendar.Event{busy(at(10, 0), at(11, 0))}, now: at(10, 0),
			rule: -1, activity: "available", event: -1,
		},
		{
			name: "several groups: config order, not group order",
			rules: []config.Rule{
				busyMeeting,
				group("b", config.TypeAvailability, "busy", "from-b"),
				group("a", config.TypeAvailability, "busy", "from-a"),
			},
			groups: []string{"a", "b"},
			events: []calendar.Event{busy(at(10, 0), at(11, 0))}, now: at(10, 0),
			rule: 1, activity: "from-b", until: at(11, 0), event: 0,
		},
		{
			name: "several groups: first group rule that matches",
			rules: []config.Rule{
				group("b", config.TypeSubject, "*lunch*", "from-b"),
				group("a", config.TypeAvailability, "busy", "from-a"),
				busyMeeting,
			},
			groups: []string{"a", "b"},
			events: []calendar.Event{busy(at(10, 0), at(11, 0))}, now: at(10, 0),
			rule: 1, activity: "from-a", until: at(11, 0), event: 0,
		},
		{
			name: "list order within organization",
			rules: []config.Rule{
				org(config.TypeSubject, "*", "first"),
				busyMeeting,
			},
			events: []calendar.Event{busy(at(10, 0), at(11, 0))}, now: at(10, 0),
			rule: 0, activity: "first", until: at(11, 0), event: 0,
		},

		// Overlaps.
		{
			name:  "overlap same rule: until latest end",
			rules: []config.Rule{busyMeeting},
			events: []calendar.Event{
				busy(at(9, 0), at(12, 0)),
				busy(at(10, 0), at(11, 0)),
			}, now: at(10, 30),
			rule: 0, activity: "meeting", until: at(12, 0), event: 0,
		},
		{
			name: "overlap first matching rule wins, its event's end",
			rules: []config.Rule{
				org(config.TypeSubject, "*lunch*", "lunch"),
				busyMeeting,
			},
			events: []calendar.Event{
				busy(at(9, 0), at(17, 0)),
				ev(at(12, 0), at(13, 0), calendar.Free, "Lunch", "", false),
			}, now: at(12, 15),
			rule: 0, activity: "lunch", until: at(13, 0), event: 1,
		},
		{
			name:  "overlap future event ignored for until",
			rules: []config.Rule{busyMeeting},
			events: []calendar.Event{
				busy(at(10, 0), at(11, 0)),
				busy(at(10, 45), at(15, 0)),
			}, now: at(10, 30),
			rule: 0, activity: "meeting", until: at(11, 0), event: 0,
		},
		{
			name:  "overlap equal ends: first event",
			rules: []config.Rule{busyMeeting},
			events: []calendar.Event{
				busy(at(9, 0), at(11, 0)),
				busy(at(10, 0), at(11, 0)),
			}, now: at(10, 30),
			rule: 0, activity: "meeting", until: at(11, 0), event: 0,
		},

		// Boundaries.
		{
			name:   "start is in progress",
			rules:  []config.Rule{busyMeeting},
			events: []calendar.Event{busy(at(10, 0), at(11, 0))}, now: at(10, 0),
			rule: 0, activity: "meeting", until: at(11, 0), event: 0,
		},
		{
			name:   "just ended",
			rules:  []config.Rule{busyMeeting},
			events: []calendar.Event{busy(at(9, 0), at(10, 0))}, now: at(10, 0),
			rule: -1, activity: "available", event: -1,
		},
		{
			name:   "not started",
			rules:  []config.Rule{busyMeeting},
			events: []calendar.Event{busy(at(10, 0), at(11, 0))}, now: at(9, 59),
			rule: -1, activity: "available", event: -1,
		},
		{
			name:   "empty event never in progress",
			rules:  []config.Rule{busyMeeting},
			events: []calendar.Event{busy(at(10, 0), at(10, 0))}, now: at(10, 0),
			rule: -1, activity: "available", event: -1,
		},
		{
			name:   "inverted event never in progress",
			rules:  []config.Rule{busyMeeting},
			events: []calendar.Event{busy(at(11, 0), at(10, 0))}, now: at(10, 30),
			rule: -1, activity: "available", event: -1,
		},
		{
			name:   "back-to-back before seam",
			rules:  []config.Rule{busyMeeting},
			events: []calendar.Event{busy(at(10, 0), at(11, 0)), busy(at(11, 0), at(12, 0))}, now: at(10, 59),
			rule: 0, activity: "meeting", until: at(11, 0), event: 0,
		},
		{
			name:   "back-to-back at seam",
			rules:  []config.Rule{busyMeeting},
			events: []calendar.Event{busy(at(10, 0), at(11, 0)), busy(at(11, 0), at(12, 0))}, now: at(11, 0),
			rule: 0, activity: "meeting", until: at(12, 0), event: 1,
		},

		// All-day and multi-day. Graph reports an all-day event in Rome as
		// 23:00Z the day before to 23:00Z.
		{
			name:   "all-day event",
			rules:  []config.Rule{busyMeeting, org(config.TypeAvailability, "oof", "vacation")},
			events: []calendar.Event{ev(at(-1, 0), at(23, 0), calendar.OOF, "Ferie", "", false)}, now: at(8, 0),
			rule: 1, activity: "vacation", until: at(23, 0), event: 0,
		},
		{
			name:   "all-day event first instant",
			rules:  []config.Rule{org(config.TypeAvailability, "oof", "vacation")},
			events: []calendar.Event{ev(at(-1, 0), at(23, 0), calendar.OOF, "Ferie", "", false)}, now: at(-1, 0),
			rule: 0, activity: "vacation", until: at(23, 0), event: 0,
		},
		{
			name:   "multi-day event",
			rules:  []config.Rule{org(config.TypeAvailability, "oof", "vacation")},
			events: []calendar.Event{ev(at(-48, 0), at(3*24+17, 0), calendar.OOF, "", "", false)}, now: at(12, 0),
			rule: 0, activity: "vacation", until: at(3*24+17, 0), event: 0,
		},
		{
			name:  "meeting inside vacation, vacation rule first",
			rules: []config.Rule{org(config.TypeAvailability, "oof", "vacation"), busyMeeting},
			events: []calendar.Event{
				busy(at(10, 0), at(11, 0)),
				ev(at(-48, 0), at(3*24+17, 0), calendar.OOF, "", "", false),
			}, now: at(10, 30),
			rule: 0, activity: "vacation", until: at(3*24+17, 0), event: 1,
		},
		{
			name:  "meeting inside vacation, meeting rule first",
			rules: []config.Rule{busyMeeting, org(config.TypeAvailability, "oof", "vacation")},
			events: []calendar.Event{
				busy(at(10, 0), at(11, 0)),
				ev(at(-48, 0), at(3*24+17, 0), calendar.OOF, "", "", false),
			}, now: at(10, 30),
			rule: 0, activity: "meeting", until: at(11, 0), event: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustCompile(t, tt.rules)
			got := s.Decide(tt.events, tt.groups, tt.now, "available")
			if got.Rule != tt.rule || got.Activity != tt.activity || got.Role != tt.role || !got.Until.Equal(tt.until) {
				t.Errorf("Decide = rule %d, %q, role %q, until %v; want rule %d, %q, role %q, until %v",
					got.Rule, got.Activity, got.Role, got.Until, tt.rule, tt.activity, tt.role, tt.until)
			}
			switch {
			case tt.event < 0 && got.Event != nil:
				t.Errorf("Decide.Event = %+v, want nil", *got.Event)
			case tt.event >= 0 && got.Event != &tt.events[tt.event]:
				t.Errorf("Decide.Event = %+v, want events[%d]", got.Event, tt.event)
			}
		})
	}
}

// TestDecideEveryStatus runs one availability rule per status against one
// event per status.
func TestDecideEveryStatus(t *testing.T) {
	for _, rs := range calendar.Statuses() {
		for _, es := range calendar.Statuses() {
			s := mustCompile(t, []config.Rule{org(config.TypeAvailability, strings.ToUpper(string(rs)), "hit")})
			d := s.Decide([]calendar.Event{ev(at(10, 0), at(11, 0), es, "", "", false)}, nil, at(10, 0), "available")
			if want := rs == es; (d.Rule == 0) != want {
				t.Errorf("rule %s, event %s: Rule = %d, want match %v", rs, es, d.Rule, want)
			}
		}
	}
}

func TestDecideNilSet(t *testing.T) {
	var s *Set
	d := s.Decide([]calendar.Event{busy(at(10, 0), at(11, 0))}, nil, at(10, 0), "available")
	if d.Rule != -1 || d.Activity != "available" || !d.Until.IsZero() || d.Event != nil {
		t.Errorf("nil Set Decide = %+v, want the default", d)
	}
}

func TestNextChange(t *testing.T) {
	busyMeeting := org(config.TypeAvailability, "busy", "meeting")
	tests := []struct {
		name   string
		rules  []config.Rule
		events []calendar.Event
		now    time.Time
		want   time.Time // zero: no change
	}{
		{
			name:  "no events",
			rules: []config.Rule{busyMeeting},
			now:   at(10, 0),
		},
		{
			name:   "events in the past",
			rules:  []config.Rule{busyMeeting},
			events: []calendar.Event{busy(at(8, 0), at(9, 0))},
			now:    at(10, 0),
		},
		{
			name:   "next start",
			rules:  []config.Rule{busyMeeting},
			events: []calendar.Event{busy(at(10, 0), at(11, 0))},
			now:    at(9, 0),
			want:   at(10, 0),
		},
		{
			name:   "current end",
			rules:  []config.Rule{busyMeeting},
			events: []calendar.Event{busy(at(10, 0), at(11, 0))},
			now:    at(10, 0),
			want:   at(11, 0),
		},
		{
			name:   "back-to-back seam is no change",
			rules:  []config.Rule{busyMeeting},
			events: []calendar.Event{busy(at(10, 0), at(11, 0)), busy(at(11, 0), at(12, 0))},
			now:    at(10, 30),
			want:   at(12, 0),
		},
		{
			name:   "unmatched event boundaries are no change",
			rules:  []config.Rule{busyMeeting},
			events: []calendar.Event{busy(at(10, 0), at(13, 0)), ev(at(11, 0), at(12, 0), calendar.Free, "", "", false)},
			now:    at(10, 30),
			want:   at(13, 0),
		},
		{
			name: "other rule, same presence, is no change",
			rules: []config.Rule{
				org(config.TypeSubject, "*standup*", "meeting"),
				busyMeeting,
			},
			events: []calendar.Event{
				ev(at(10, 0), at(10, 15), calendar.Busy, "Standup", "", false),
				busy(at(10, 15), at(11, 0)),
			},
			now:  at(10, 0),
			want: at(11, 0),
		},
		{
			name: "role change is a change",
			rules: []config.Rule{
				withRole(org(config.TypeLocation, "Room*", "meeting"), "office"),
				busyMeeting,
			},
			events: []calendar.Event{
				ev(at(10, 0), at(11, 0), calendar.Busy, "", "Room 1", false),
				ev(at(11, 0), at(12, 0), calendar.Busy, "", "Teams", false),
			},
			now:  at(10, 30),
			want: at(11, 0),
		},
		{
			name: "overlap: inner event of a higher rule",
			rules: []config.Rule{
				org(config.TypeSubject, "*lunch*", "lunch"),
				busyMeeting,
			},
			events: []calendar.Event{
				busy(at(9, 0), at(17, 0)),
				ev(at(12, 0), at(13, 0), calendar.Free, "Lunch", "", false),
			},
			now:  at(9, 0),
			want: at(12, 0),
		},
		{
			name:   "gap between events is a change",
			rules:  []config.Rule{busyMeeting},
			events: []calendar.Event{busy(at(10, 0), at(11, 0)), busy(at(11, 1), at(12, 0))},
			now:    at(10, 0),
			want:   at(11, 0),
		},
		{
			name:   "no rules: never a change",
			events: []calendar.Event{busy(at(10, 0), at(11, 0))},
			now:    at(9, 0),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustCompile(t, tt.rules)
			got, ok := s.NextChange(tt.events, nil, tt.now, "available")
			if ok != !tt.want.IsZero() || !got.Equal(tt.want) {
				t.Errorf("NextChange = %v, %v; want %v, %v", got, ok, tt.want, !tt.want.IsZero())
			}
		})
	}
}

// TestNextChangeAgainstScan checks NextChange on random schedules against a
// minute-by-minute scan of Decide. Events lie on a 15-minute grid, so a
// change can only happen on a whole minute and the scan is exact.
func TestNextChangeAgainstScan(t *testing.T) {
	s := mustCompile(t, []config.Rule{
		group("sales", config.TypeSubject, "*lunch*", "lunch"),
		withRole(org(config.TypeLocation, "Room *", "meeting"), "office"),
		org(config.TypeAvailability, "oof", "away"),
		org(config.TypeAvailability, "busy", "meeting"),
		org(config.TypePrivate, "true", "busy"),
		org(config.TypeAvailability, "tentative", "meeting"),
	})
	subjects := []string{"", "Lunch", "Review"}
	locations := []string{"", "Room 1", "Teams"}
	statuses := calendar.Statuses()
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 300 {
		var events []calendar.Event
		for range rng.IntN(6) {
			start := at(8, 15*rng.IntN(32))
			events = append(events, ev(start, start.Add(time.Duration(1+rng.IntN(12))*15*time.Minute),
				statuses[rng.IntN(len(statuses))], subjects[rng.IntN(3)], locations[rng.IntN(3)], rng.IntN(4) == 0))
		}
		groups := []string{"sales"}
		if rng.IntN(2) == 0 {
			groups = nil
		}
		now := at(8, 15*rng.IntN(32)+rng.IntN(15))
		cur := s.Decide(events, groups, now, "available")
		var want time.Time
		for m := now.Truncate(time.Minute).Add(time.Minute); m.Before(at(20, 0)); m = m.Add(time.Minute) {
			if d := s.Decide(events, groups, m, "available"); d.Activity != cur.Activity || d.Role != cur.Role {
				want = m
				break
			}
		}
		got, ok := s.NextChange(events, groups, now, "available")
		if ok != !want.IsZero() || !got.Equal(want) {
			t.Fatalf("round %d: NextChange(%+v, %v, %v) = %v, %v; scan says %v", round, events, groups, now, got, ok, want)
		}
	}
}

// TestFirstRunRules checks the behaviour docs/config.md promises for the
// rule set of a new config.
func TestFirstRunRules(t *testing.T) {
	cfg := config.Default()
	s := mustCompile(t, cfg.Rules)
	holiday := ev(at(-1, 0), at(23, 0), calendar.OOF, "Ferie", "", false)
	away := ev(at(7, 0), at(18, 0), calendar.WorkingElsewhere, "Cliente Milano", "", false)
	tests := []struct {
		name     string
		events   []calendar.Event
		now      time.Time
		activity string
		until    time.Time
	}{
		{"nothing", nil, at(10, 0), cfg.DefaultActivity, time.Time{}},
		{"meeting", []calendar.Event{ev(at(10, 0), at(11, 0), calendar.Busy, "Budget", "", false)}, at(10, 0), "meeting", at(11, 0)},
		{"tentative", []calendar.Event{ev(at(10, 0), at(11, 0), calendar.Tentative, "Maybe", "", false)}, at(10, 0), cfg.DefaultActivity, time.Time{}},
		{"lunch", []calendar.Event{ev(at(12, 0), at(13, 0), calendar.Busy, "Team Lunch", "", false)}, at(12, 0), "lunch", at(13, 0)},
		{"pranzo", []calendar.Event{ev(at(12, 0), at(13, 0), calendar.Busy, "PRANZO con cliente", "", false)}, at(12, 0), "lunch", at(13, 0)},
		{"private lunch is busy", []calendar.Event{ev(at(12, 0), at(13, 0), calendar.Busy, "lunch", "", true)}, at(12, 0), "busy", at(13, 0)},
		{"private free is busy", []calendar.Event{ev(at(12, 0), at(13, 0), calendar.Free, "", "", true)}, at(12, 0), "busy", at(13, 0)},
		{"holiday", []calendar.Event{holiday}, at(9, 0), "vacation", at(23, 0)},
		{"private appointment in holiday", []calendar.Event{holiday, ev(at(9, 0), at(10, 0), calendar.Busy, "", "", true)}, at(9, 0), "vacation", at(23, 0)},
		{"working elsewhere", []calendar.Event{away}, at(9, 0), "business-trip", at(18, 0)},
		{"meeting while working elsewhere", []calendar.Event{away, ev(at(10, 0), at(11, 0), calendar.Busy, "Call", "", false)}, at(10, 0), "meeting", at(11, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := s.Decide(tt.events, nil, tt.now, cfg.DefaultActivity)
			if d.Activity != tt.activity || d.Role != "" || !d.Until.Equal(tt.until) {
				t.Errorf("Decide = %q role %q until %v (%s); want %q until %v",
					d.Activity, d.Role, d.Until, s.Describe(d.Rule), tt.activity, tt.until)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name string
		rule config.Rule
		want string
	}{
		{"empty scope", config.Rule{Type: "busy", Match: "busy", Activity: "x"}, `rules[0].scope: unknown scope ""`},
		{"bad scope", config.Rule{Scope: "org", Type: "availability", Match: "busy", Activity: "x"}, `rules[0].scope: unknown scope "org"; expected "organization" or "group:<OneCloud group id>"`},
		{"group without id", config.Rule{Scope: "group: ", Type: "availability", Match: "busy", Activity: "x"}, `rules[0].scope: "group: " has no group id`},
		{"unknown type", org("title", "x", "y"), `rules[0].type: unknown rule type "title"; expected one of availability, subject, location, private`},
		{"empty type", org("", "x", "y"), `rules[0].type: unknown rule type ""`},
		{"bad availability", org(config.TypeAvailability, "bussy", "y"), `rules[0].match: unknown availability "bussy"; expected one of free, tentative, busy, oof, workingElsewhere, unknown`},
		{"empty subject", org(config.TypeSubject, "  ", "y"), `rules[0].match: empty subject pattern`},
		{"empty location", org(config.TypeLocation, "", "y"), `rules[0].match: empty location pattern`},
		{"bad private", org(config.TypePrivate, "yes", "y"), `rules[0].match: "yes" is not a private flag; expected "true" or "false"`},
		{"empty activity", org(config.TypeAvailability, "busy", " "), `rules[0].activity: empty; expected a OneCloud activity id`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Compile([]config.Rule{tt.rule})
			if err == nil {
				t.Fatalf("Compile(%+v) = nil error, want %q", tt.rule, tt.want)
			}
			if s != nil {
				t.Errorf("Compile returned a Set with an error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Compile error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestCompileReportsEveryError(t *testing.T) {
	_, err := Compile([]config.Rule{
		org(config.TypeAvailability, "busy", "meeting"),
		{Scope: "nowhere", Type: "colour", Match: "red", Activity: ""},
		org(config.TypePrivate, "maybe", "busy"),
	})
	if err == nil {
		t.Fatal("Compile = nil error, want three rules' errors")
	}
	for _, want := range []string{"rules[1].scope:", "rules[1].type:", "rules[1].activity:", "rules[2].match:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "rules[0]") {
		t.Errorf("error %q blames the valid rules[0]", err)
	}
}

func TestCompileAccepts(t *testing.T) {
	s := mustCompile(t, []config.Rule{
		org(config.TypeAvailability, "Busy", "meeting"),
		group("sales", config.TypeSubject, "*lunch*", "lunch"),
		{Scope: "Group:support", Type: "Location", Match: "Room*", Activity: "meeting"},
		org(config.TypePrivate, "false", "x"),
	})
	if s.Len() != 4 {
		t.Errorf("Len = %d, want 4", s.Len())
	}
	if s, err := Compile(nil); err != nil || s.Len() != 0 {
		t.Errorf("Compile(nil) = %v, %v; want an empty set", s, err)
	}
}

func TestDescribe(t *testing.T) {
	s := mustCompile(t, []config.Rule{
		org(config.TypeAvailability, "BUSY", "meeting"),
		withRole(group("sales", config.TypeSubject, " *lunch* ", "lunch"), "canteen"),
		org(config.TypeLocation, `Sala "A"*`, "meeting"),
		org(config.TypePrivate, "true", "busy"),
		org(config.TypeAvailability, "workingelsewhere", "business-trip"),
	})
	tests := []struct {
		i    int
		want string
	}{
		{0, "availability is busy -> meeting"},
		{1, `group sales: subject matches "*lunch*" -> lunch, role canteen`},
		{2, `location matches "Sala \"A\"*" -> meeting`},
		{3, "private is true -> busy"},
		{4, "availability is workingElsewhere -> business-trip"},
		{-1, "no rule matches -> default activity"},
		{5, "no rule 5"},
		{-2, "no rule -2"},
	}
	for _, tt := range tests {
		if got := s.Describe(tt.i); got != tt.want {
			t.Errorf("Describe(%d) = %q, want %q", tt.i, got, tt.want)
		}
	}
}

// BenchmarkDecide: 100 rules (10 of them for groups) x 20 events, all in
// progress, where only the last rule matches, so every rule looks at every
// event.
func BenchmarkDecide(b *testing.B) {
	var rs []config.Rule
	for i := range 99 {
		switch i % 4 {
		case 0:
			rs = append(rs, org(config.TypeSubject, fmt.Sprintf("*project %d*", i), "meeting"))
		case 1:
			rs = append(rs, org(config.TypeLocation, fmt.Sprintf("Sala %d *", i), "meeting"))
		case 2:
			rs = append(rs, group(fmt.Sprintf("g%d", i%10), config.TypeSubject, fmt.Sprintf("réunion*%d", i), "meeting"))
		case 3:
			rs = append(rs, org(config.TypeAvailability, "oof", "vacation"))
		}
	}
	rs = append(rs, org(config.TypeAvailability, "busy", "meeting"))
	s := mustCompile(b, rs)
	var events []calendar.Event
	for i := range 20 {
		events = append(events, ev(at(9, 0), at(10+i%8, 0), calendar.Busy,
			fmt.Sprintf("Weekly sync of the Équipe %d with customers", i), fmt.Sprintf("Building B, floor %d", i), i%5 == 0))
	}
	groups := []string{"g2", "g6"}
	b.ReportAllocs()
	for b.Loop() {
		d := s.Decide(events, groups, at(9, 30), "available")
		if d.Rule != 99 {
			b.Fatalf("Rule = %d, want 99", d.Rule)
		}
	}
}

func BenchmarkMatch(b *testing.B) {
	p := compilePattern("*réunion*équipe*")
	text := "Réunion hebdomadaire de l'ÉQUIPE commerciale"
	b.ReportAllocs()
	for b.Loop() {
		if !p.match(text) {
			b.Fatal("no match")
		}
	}
}
