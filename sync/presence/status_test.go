package presence

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/calendar"
)

// UserViews describes each user from the cached schedules without any call
// and without a private event's text.
func TestUserViews(t *testing.T) {
	h := newHarness(t, testConfig(
		user("1001", "anna@contoso.it"),  // meeting 10-11, then lunch 12-13
		user("1002", "bruno@contoso.it"), // private 10-11
		user("1003", "carla@contoso.it"), // nothing
		user("1004", "dario@contoso.it"), // calendar unreadable
	))
	lunch := calendar.Event{Start: h12, End: h12.Add(time.Hour), Status: calendar.Free, Subject: "Team lunch"}
	h.g.set("anna@contoso.it", ev(calendar.Busy, h10, h11), lunch)
	h.g.set("bruno@contoso.it", calendar.Event{Start: h10, End: h11, Status: calendar.Busy, Private: true, Subject: "Dentist Rossi", Location: "Via Roma 1"})
	h.g.errs["dario@contoso.it"] = errors.New("dario@contoso.it: mailbox not found")

	before := h.e.UserViews(t0)
	for _, v := range before {
		if v.Calendar != "" || v.CalendarError != "" || !v.NextChange.IsZero() {
			t.Errorf("before any poll: %+v, want nothing known", v)
		}
	}

	if _, err := h.e.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	calls := h.g.callCount()
	gets, puts := h.oc.calls()
	views := h.e.UserViews(t0)
	if h.g.callCount() != calls {
		t.Error("UserViews read calendars")
	}
	if g, p := h.oc.calls(); g != gets || p != puts {
		t.Error("UserViews called OneCloud")
	}

	cases := []struct {
		calendar, desired, next, nextActivity, calErr string
	}{
		{"busy", "meeting", "11:00", "available", ""},
		{"busy (private)", "busy", "11:00", "available", ""},
		{"no event", "available", "", "", ""},
		{"", "", "", "", "mailbox not found"},
	}
	if len(views) != len(cases) {
		t.Fatalf("views = %d, want %d", len(views), len(cases))
	}
	for i, c := range cases {
		v := views[i]
		next := ""
		if !v.NextChange.IsZero() {
			next = v.NextChange.UTC().Format("15:04")
		}
		if v.Calendar != c.calendar || v.Desired.Activity != c.desired || next != c.next || v.NextActivity != c.nextActivity ||
			!strings.Contains(v.CalendarError, c.calErr) || (c.calErr == "") != (v.CalendarError == "") {
			t.Errorf("view %d = %+v, want calendar %q desired %q next %q -> %q error %q", i, v, c.calendar, c.desired, c.next, c.nextActivity, c.calErr)
		}
		if s := fmt.Sprintf("%+v", v); strings.Contains(s, "Dentist") || strings.Contains(s, "Roma") {
			t.Errorf("view %d carries private text: %s", i, s)
		}
	}

	// At 11:30 anna's next change is lunch; past the polled window nothing
	// is known.
	if v := h.e.UserViews(h11.Add(30 * time.Minute))[0]; v.NextActivity != "lunch" || !v.NextChange.Equal(h12) {
		t.Errorf("anna at 11:30 = %+v, want lunch at 12:00", v)
	}
	if v := h.e.UserViews(t0.Add(9 * time.Hour))[0]; v.Calendar != "" || v.CalendarError == "" {
		t.Errorf("anna past the window = %+v, want an error saying the window does not cover it", v)
	}
}
