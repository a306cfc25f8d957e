package rules

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/workhours"
)

// berlinHours is Monday to Friday 08:00-17:00 in W. Europe Standard Time:
// on Wednesday 25 November 2026 (UTC+1) that is 07:00-16:00 UTC.
func berlinHours(t testing.TB) *workhours.WorkingHours {
	t.Helper()
	w, err := workhours.Parse([]byte(`{"daysOfWeek":["monday","tuesday","wednesday","thursday","friday"],
		"startTime":"08:00:00.0000000","endTime":"17:00:00.0000000","timeZone":{"name":"W. Europe Standard Time"}}`))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestDecideWorkingHours(t *testing.T) {
	wh := berlinHours(t)
	goneHome := org(config.TypeWorkingHours, config.MatchOutside, "gone-home")
	meeting := org(config.TypeAvailability, "busy", "meeting")
	evening := busy(at(18, 0), at(19, 30))
	tomorrow := at(24+7, 0) // Thursday 08:00 Berlin
	cases := []struct {
		name   string
		rules  []config.Rule
		sched  calendar.Schedule
		groups []string
		now    time.Time
		want   Decision
	}{
		{"inside: default", []config.Rule{goneHome}, calendar.Schedule{WorkingHours: wh}, nil, at(10, 0),
			Decision{Rule: -1, Activity: "available"}},
		{"at the end: gone home until tomorrow's start", []config.Rule{goneHome}, calendar.Schedule{WorkingHours: wh}, nil, at(16, 0),
			Decision{Rule: 0, Activity: "gone-home", Until: tomorrow}},
		{"before the start", []config.Rule{goneHome}, calendar.Schedule{WorkingHours: wh}, nil, at(6, 59),
			Decision{Rule: 0, Activity: "gone-home", Until: at(7, 0)}},
		{"no working hours never match", []config.Rule{goneHome}, calendar.Schedule{}, nil, at(20, 0),
			Decision{Rule: -1, Activity: "available"}},
		{"meeting rule first wins at 19:00", []config.Rule{meeting, goneHome},
			calendar.Schedule{Events: []calendar.Event{evening}, WorkingHours: wh}, nil, at(19, 0),
			Decision{Rule: 0, Activity: "meeting", Until: at(19, 30)}},
		{"working hours first win at 19:00", []config.Rule{goneHome, meeting},
			calendar.Schedule{Events: []calendar.Event{evening}, WorkingHours: wh}, nil, at(19, 0),
			Decision{Rule: 0, Activity: "gone-home", Until: tomorrow}},
		{"event rule still applies inside", []config.Rule{goneHome, meeting},
			calendar.Schedule{Events: []calendar.Event{busy(at(9, 0), at(10, 0))}, WorkingHours: wh}, nil, at(9, 30),
			Decision{Rule: 1, Activity: "meeting", Until: at(10, 0)}},
		{"group rule for a member, with role", []config.Rule{withRole(group("night", config.TypeWorkingHours, "outside", "closed"), "night")},
			calendar.Schedule{WorkingHours: wh}, []string{"night"}, at(22, 0),
			Decision{Rule: 0, Activity: "closed", Role: "night", Until: tomorrow}},
		{"group rule for a non-member", []config.Rule{group("night", config.TypeWorkingHours, "outside", "closed")},
			calendar.Schedule{WorkingHours: wh}, nil, at(22, 0),
			Decision{Rule: -1, Activity: "available"}},
		{"match in any case", []config.Rule{org(config.TypeWorkingHours, " Outside ", "gone-home")},
			calendar.Schedule{WorkingHours: wh}, nil, at(22, 0),
			Decision{Rule: 0, Activity: "gone-home", Until: tomorrow}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := mustCompile(t, c.rules)
			got := s.DecideFor(c.sched, c.groups, c.now, "available")
			if got.Rule != c.want.Rule || got.Activity != c.want.Activity || got.Role != c.want.Role || !got.Until.Equal(c.want.Until) {
				t.Errorf("DecideFor = %+v, want %+v", got, c.want)
			}
			if got.Rule >= 0 && c.rules[got.Rule].Type == config.TypeWorkingHours && got.Event != nil {
				t.Error("a working-hours decision points at an event")
			}
		})
	}
	// Decide, without working hours, never matches a workinghours rule.
	s := mustCompile(t, []config.Rule{goneHome})
	if d := s.Decide(nil, nil, at(22, 0), "available"); d.Rule != -1 {
		t.Errorf("Decide matched working hours it was not given: %+v", d)
	}
	if !s.UsesWorkingHours() || mustCompile(t, []config.Rule{org(config.TypeAvailability, "busy", "meeting")}).UsesWorkingHours() {
		t.Error("UsesWorkingHours wrong")
	}
	if got := s.Describe(0); got != "outside working hours -> gone-home" {
		t.Errorf("Describe = %q", got)
	}
}

func TestCompileWorkingHoursErrors(t *testing.T) {
	_, err := Compile([]config.Rule{org(config.TypeWorkingHours, "inside", "gone-home")})
	if err == nil || !strings.Contains(err.Error(), `rules[0].match: "inside" is not a working-hours match; expected "outside"`) {
		t.Errorf("Compile: %v", err)
	}
	_, err = Compile([]config.Rule{org("hours", "outside", "gone-home")})
	if err == nil || !strings.Contains(err.Error(), "workinghours") {
		t.Errorf("unknown type error does not list workinghours: %v", err)
	}
}

func TestNextChangeWorkingHours(t *testing.T) {
	wh := berlinHours(t)
	goneHome := org(config.TypeWorkingHours, config.MatchOutside, "gone-home")
	meeting := org(config.TypeAvailability, "busy", "meeting")
	cases := []struct {
		name  string
		rules []config.Rule
		sched calendar.Schedule
		now   time.Time
		want  time.Time // zero: no change
	}{
		{"end of the day", []config.Rule{goneHome}, calendar.Schedule{WorkingHours: wh}, at(10, 0), at(16, 0)},
		{"start of the next day", []config.Rule{goneHome}, calendar.Schedule{WorkingHours: wh}, at(16, 0), at(24+7, 0)},
		{"friday evening to monday", []config.Rule{goneHome}, calendar.Schedule{WorkingHours: wh}, at(2*24+16, 0), at(5*24+7, 0)},
		{"no rule: working hours are no boundary", []config.Rule{meeting}, calendar.Schedule{WorkingHours: wh}, at(10, 0), time.Time{}},
		{"no working hours", []config.Rule{goneHome}, calendar.Schedule{}, at(10, 0), time.Time{}},
		{"event before the end", []config.Rule{goneHome, meeting},
			calendar.Schedule{Events: []calendar.Event{busy(at(11, 0), at(12, 0))}, WorkingHours: wh}, at(10, 0), at(11, 0)},
		// An evening meeting under "working hours first" changes nothing.
		{"evening meeting hidden by gone home", []config.Rule{goneHome, meeting},
			calendar.Schedule{Events: []calendar.Event{busy(at(18, 0), at(19, 0))}, WorkingHours: wh}, at(17, 0), at(24+7, 0)},
		{"evening meeting shown first", []config.Rule{meeting, goneHome},
			calendar.Schedule{Events: []calendar.Event{busy(at(18, 0), at(19, 0))}, WorkingHours: wh}, at(17, 0), at(18, 0)},
		// A group rule the user is not in: never a change.
		{"group rule, not a member", []config.Rule{group("x", config.TypeWorkingHours, "outside", "closed")},
			calendar.Schedule{WorkingHours: wh}, at(10, 0), time.Time{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := mustCompile(t, c.rules)
			got, ok := s.NextChangeFor(c.sched, nil, c.now, "available")
			if ok != !c.want.IsZero() || !got.Equal(c.want) {
				t.Errorf("NextChangeFor = %v, %v; want %v", got, ok, c.want)
			}
		})
	}
}

// TestNextChangeWorkingHoursAgainstScan compares NextChangeFor with a
// minute-by-minute scan over random events and both rule orders.
func TestNextChangeWorkingHoursAgainstScan(t *testing.T) {
	wh := berlinHours(t)
	rng := rand.New(rand.NewPCG(3, 4))
	sets := []*Set{
		mustCompile(t, []config.Rule{org(config.TypeWorkingHours, "outside", "gone-home"), org(config.TypeAvailability, "busy", "meeting")}),
		mustCompile(t, []config.Rule{org(config.TypeAvailability, "busy", "meeting"), org(config.TypeWorkingHours, "outside", "gone-home")}),
		mustCompile(t, []config.Rule{org(config.TypeAvailability, "busy", "gone-home"), org(config.TypeWorkingHours, "outside", "gone-home")}),
	}
	for round := range 200 {
		var events []calendar.Event
		for range rng.IntN(5) {
			start := at(4, 15*rng.IntN(80))
			events = append(events, busy(start, start.Add(time.Duration(1+rng.IntN(12))*15*time.Minute)))
		}
		sched := calendar.Schedule{Events: events, WorkingHours: wh}
		s := sets[round%len(sets)]
		now := at(4, 15*rng.IntN(80)+rng.IntN(15))
		cur := s.DecideFor(sched, nil, now, "available")
		var want time.Time
		for m := now.Truncate(time.Minute).Add(time.Minute); m.Before(now.Add(4 * 24 * time.Hour)); m = m.Add(time.Minute) {
			if d := s.DecideFor(sched, nil, m, "available"); d.Activity != cur.Activity || d.Role != cur.Role {
				want = m
				break
			}
		}
		got, ok := s.NextChangeFor(sched, nil, now, "available")
		if ok != !want.IsZero() || !got.Equal(want) {
			t.Fatalf("round %d: NextChangeFor(%v, now %v) = %v, %v; scan says %v", round, events, now, got, ok, want)
		}
	}
}
