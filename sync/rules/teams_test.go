package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/config"
)

// TestTeamsRules: a teams rule matches the user's Teams activity in any case, has no until,
// and takes its place in the first-match-wins order like any rule.
func TestTeamsRules(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	meeting := calendar.Event{Start: now.Add(-time.Hour), End: now.Add(time.Hour), Status: calendar.Busy}
	callFirst := mustCompile(t, []config.Rule{
		withRole(org(config.TypeTeams, "inacall", "busy"), "calls"),
		org(config.TypeAvailability, "busy", "meeting"),
	})
	meetingFirst := mustCompile(t, []config.Rule{
		org(config.TypeAvailability, "busy", "meeting"),
		org(config.TypeTeams, "InACall", "busy"),
	})
	tests := []struct {
		name     string
		set      *Set
		sched    calendar.Schedule
		activity string
		role     string
		rule     int
	}{
		{"in a call, no meeting", callFirst, calendar.Schedule{TeamsActivity: "InACall"}, "busy", "calls", 0},
		{"in a call beats a meeting when it stands first", callFirst,
			calendar.Schedule{Events: []calendar.Event{meeting}, TeamsActivity: "InACall"}, "busy", "calls", 0},
		{"a meeting beats a call when it stands first", meetingFirst,
			calendar.Schedule{Events: []calendar.Event{meeting}, TeamsActivity: "InACall"}, "meeting", "", 0},
		{"the call ends: back to the meeting", callFirst,
			calendar.Schedule{Events: []calendar.Event{meeting}, TeamsActivity: "Available"}, "meeting", "", 1},
		{"the call ends, nothing else: default", callFirst, calendar.Schedule{TeamsActivity: "Available"}, "available", "", -1},
		{"Teams not read", callFirst, calendar.Schedule{}, "available", "", -1},
		{"another activity", callFirst, calendar.Schedule{TeamsActivity: "InAConferenceCall"}, "available", "", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.set.DecideFor(tt.sched, nil, now, "available")
			if d.Activity != tt.activity || d.Role != tt.role || d.Rule != tt.rule {
				t.Errorf("decision %+v, want %s/%s by rule %d", d, tt.activity, tt.role, tt.rule)
			}
			if d.Rule == 0 && tt.set == callFirst && (!d.Until.IsZero() || d.Event != nil || d.TeamsActivity != "InACall") {
				t.Errorf("a teams decision has an until or an event, or no activity: %+v", d)
			}
		})
	}
	if !callFirst.UsesTeams() || mustCompile(t, []config.Rule{org(config.TypeAvailability, "busy", "m")}).UsesTeams() {
		t.Error("UsesTeams does not follow the rules")
	}
	if got := callFirst.Describe(0); got != "Teams activity is InACall -> busy, role calls" {
		t.Errorf("Describe = %q", got)
	}
	// A Teams activity is no boundary: the next change is still the meeting's end.
	if next, ok := meetingFirst.NextChangeFor(calendar.Schedule{Events: []calendar.Event{meeting}, TeamsActivity: "InACall"},
		nil, now, "available"); !ok || !next.Equal(meeting.End) {
		t.Errorf("NextChangeFor = %s %v, want the meeting's end", next, ok)
	}
	if _, err := Compile([]config.Rule{org(config.TypeTeams, "OnTheBeach", "x")}); err == nil ||
		!strings.Contains(err.Error(), `rules[0].match: "OnTheBeach" is not a Teams activity; expected one of Available`) {
		t.Errorf("unknown activity: %v", err)
	}
}
