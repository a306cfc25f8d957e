package check

import (
	"strings"
	"testing"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/graph"
)

func TestTeamsSteps(t *testing.T) {
	f := newFixture(t)
	for _, st := range f.run(t) {
		if st.Name == StepUserLookup || st.Name == StepTeamsPresence {
			t.Fatalf("a Teams step runs without a teams rule: %+v", st)
		}
	}
	f.deps.Config.Rules = append(f.deps.Config.Rules, config.Rule{Scope: "organization", Type: config.TypeTeams, Match: "InACall", Activity: "busy"})
	for _, u := range f.deps.Config.EnabledUsers() {
		if err := f.emu.SetTeamsPresence(u.Mailbox, "Busy", "InACall"); err != nil {
			t.Fatal(err)
		}
	}
	steps := f.run(t)
	if s := find(t, steps, StepUserLookup); !s.OK || s.Warning {
		t.Errorf("lookup: %+v", s)
	}
	if s := find(t, steps, StepTeamsPresence); !s.OK || !strings.Contains(s.Detail, "in a call now") {
		t.Errorf("presence: %+v", s)
	}

	f.deps.Config.Users = append(f.deps.Config.Users, config.User{OneCloudUser: "1999", Mailbox: "nobody@contoso.com", Enabled: true})
	if s := find(t, f.run(t), StepUserLookup); !s.OK || !s.Warning || !strings.Contains(s.Detail, "nobody@contoso.com") {
		t.Errorf("an unknown mailbox: %+v", s)
	}

	f.deps.Config.Users = f.deps.Config.Users[:len(f.deps.Config.Users)-1]
	f.emu.SetPresenceConsent(false)
	if s := find(t, f.run(t), StepTeamsPresence); s.OK || s.Remedy != graph.PresenceAccessRemedy {
		t.Errorf("without Presence.Read.All: %+v", s)
	}
	f.emu.SetUserReadConsent(false)
	steps = f.run(t)
	if s := find(t, steps, StepUserLookup); s.OK || s.Remedy != graph.UserLookupRemedy {
		t.Errorf("without User.Read.All: %+v", s)
	}
	if s := find(t, steps, StepTeamsPresence); !s.Skipped {
		t.Errorf("presence without ids: %+v", s)
	}
	if m := find(t, steps, StepMailboxes); !m.OK {
		t.Errorf("the calendar steps suffer from the Teams permissions: %+v", m)
	}
}
