package demo

import (
	"strings"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/presence"
)

// TestChangesPrintsOnlyWhatChanged: a presence kept as set by hand, or a
// mailbox not found, comes back with every poll but is printed once, and
// again only when it changes.
func TestChangesPrintsOnlyWhatChanged(t *testing.T) {
	at := time.Date(2026, 11, 25, 21, 36, 5, 0, time.Local)
	until := at.Add(45 * time.Minute)
	kept := func(activity string) presence.Event {
		return presence.Event{Type: presence.EventPresence, Time: at, User: presence.UserReport{
			OneCloudUser: "1006", Activity: activity, Until: until, Action: presence.ActionKeptManual}}
	}
	set := func(user, activity string) presence.Event {
		return presence.Event{Type: presence.EventPresence, Time: at, User: presence.UserReport{
			OneCloudUser: user, Activity: activity, Until: until, Action: presence.ActionSet}}
	}
	notFound := presence.Event{Type: presence.EventUserError, Time: at, User: presence.UserReport{OneCloudUser: "1005"},
		Message: "sara.conti@contoso.it: mailbox not found (5009)"}
	problem := presence.Event{Type: presence.EventError, Time: at, Message: "Microsoft Graph did not answer"}
	recovered := presence.Event{Type: presence.EventRecovered, Time: at}
	unchanged := presence.Event{Type: presence.EventPresence, Time: at, User: presence.UserReport{OneCloudUser: "1001", Action: presence.ActionUnchanged}}

	tests := []struct {
		ev   presence.Event
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
