package check

import (
	"context"
	"strings"
	"testing"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/workhours"
)

// The working-hours step appears only with a workinghours rule, and names
// every user without (or with unreadable) working hours.
func TestWorkingHoursStep(t *testing.T) {
	goneHome := config.Rule{Scope: config.ScopeOrganization, Type: config.TypeWorkingHours, Match: config.MatchOutside, Activity: "gone-home"}
	mars := workhours.Graph{DaysOfWeek: []string{"monday"}, StartTime: "08:00:00", EndTime: "17:00:00",
		TimeZone: &workhours.TimeZone{Name: "Mars Standard Time"}}
	// The last two marks are OneCloud and its ticket's expiry.
	cases := []struct {
		name          string
		setup         func(f *fixture)
		marks, detail string
		remedy        string
	}{
		{"no workinghours rule: no step", func(f *fixture) {}, "+++++++++", "", ""},
		{"all published", func(f *fixture) { f.deps.Config.Rules = append(f.deps.Config.Rules, goneHome) },
			"++++++++++", "working hours read for all 3 users", ""},
		{"one without", func(f *fixture) {
			f.deps.Config.Rules = append(f.deps.Config.Rules, goneHome)
			f.emu.SetWorkingHours("bruno@contoso.com", nil)
		}, "++++++!+++", "no working hours published: bruno@contoso.com", "never get the working-hours activity"},
		{"one unreadable, one without", func(f *fixture) {
			f.deps.Config.Rules = append(f.deps.Config.Rules, goneHome)
			f.emu.SetWorkingHours("anna@contoso.com", &mars)
			f.emu.SetWorkingHours("carla@contoso.com", nil)
		}, "++++++-+++", `anna@contoso.com: workingHours.timeZone: unknown time zone "Mars Standard Time"`, "Work hours"},
		{"mailboxes not read", func(f *fixture) {
			f.deps.Config.Rules = append(f.deps.Config.Rules, goneHome)
			f.emu.SetConsent(false)
		}, "+++-...+++", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.deps.OneCloud = func(context.Context) error { return nil }
			tc.setup(f)
			steps := f.run(t)
			if got := marks(steps); got != tc.marks {
				for _, s := range steps {
					t.Logf("%+v", s)
				}
				t.Fatalf("marks %s, want %s", got, tc.marks)
			}
			if tc.detail == "" {
				return
			}
			s := find(t, steps, StepWorkingHours)
			if !strings.Contains(s.Detail, tc.detail) || !strings.Contains(s.Remedy, tc.remedy) {
				t.Errorf("detail %q (want %q)\nremedy %q (want %q)", s.Detail, tc.detail, s.Remedy, tc.remedy)
			}
		})
	}
}
