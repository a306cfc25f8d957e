package demo

import (
	"strings"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/engine"
)

// TestChangesPrintsOnlyWhatChanged: a presence kept as set by hand, or a
// mailbox not found, comes back with every poll but is printed once, and
// again only when it changes.
func TestChangesPrintsOnlyWhatChanged(t *testing.T) {
	at := time.Date(2026, 11, 25, 21, 36, 5, 0, time.Local)
	until := at.Add(45 * time.Minute)
	kept := func(activity string) engine.Event {
		return engine.Event{Type: engine.EventPresence, Time: at, User: engine.UserReport{
			OneCloudUser: "1006", Activity: activity, Until: until, Action: engine.ActionKeptManual}}
	}
	set := func(user, activity string) engine.Event {
		return engine.Event{Type: engine.EventPresence, Time: at, User: engine.UserReport{
			OneCloudUser: user, Activity: activity, Until: until, Action: engine.ActionSet}}
	}
	notFound := engine.Event{Type: engine.EventUserError, Time: at, User: engine.UserReport{OneCloudUser: "1005"},
		Message: "sara.conti@contoso.it: mailbox not found (5009)"}
	problem := engine.Event{Type: engine.EventError, Time: at, Message: "Microsoft Graph did not answer"}
	recovered := engine.Event{Type: engine.EventRecovered, Time: at}
	unchanged := engine.Event{Type: engine.EventPresence, Time: at, User: engine.UserReport{OneCloudUser: "1001", Action: engine.ActionUnchanged}}

	tests := []struct {
		ev   engine.Event
		want string // "" = nothing printed
	}{
		{set("1001", "meeting"), "Mario Rossi      -> meeting until"},
		{kept("meeting"), "Davide Marino    kept as set by hand (calendar says meeting until"},
		{notFound, "Sara Conti       not synced: sara.conti@contoso.it: mailbox not found (5009)"},
		// The next polls say the same.
		{kept("meeting"), ""},
		{notFound, ""},
		{unchanged, ""},
		{kept("meeting"), ""},
		// The calendar changed: news.
		{kept("lunch"), "Davide Marino    kept as set by hand (calendar says lunch until"},
		{set("1001", "available"), "Mario Rossi      -> available"},
		{problem, "problem: Microsoft Graph did not answer"},
		{problem, ""},
		{recovered, "recovered"},
		{problem, "problem: Microsoft Graph did not answer"},
	}
	office := &Office{People: []Person{{ID: "1001", Name: "Mario Rossi"}, {ID: "1005", Name: "Sara Conti"}, {ID: "1006", Name: "Davide Marino"}}}
	c := changes{office: office, last: map[string]string{}}
	for i, tt := range tests {
		got := c.line(tt.ev)
		switch {
		case tt.want == "" && got != "":
			t.Errorf("event %d: printed %q, want nothing", i, got)
		case tt.want != "" && !strings.HasPrefix(got, clockText(at)+"  "+tt.want):
			t.Errorf("event %d: printed %q, want %q", i, got, tt.want)
		}
	}
}
