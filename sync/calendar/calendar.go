// Package calendar holds the plain calendar values the engine works with: a
// mailbox's events in a time window, free of any Microsoft Graph JSON shape.
// The Graph reader produces them, the rules consume them.
package calendar

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/calsync/calsync/sync/workhours"
)

// Status is an Exchange free/busy availability.
type Status string

// The availabilities Exchange reports for a calendar item.
const (
	Free             Status = "free"
	Tentative        Status = "tentative"
	Busy             Status = "busy"
	OOF              Status = "oof"
	WorkingElsewhere Status = "workingElsewhere"
	Unknown          Status = "unknown"
)

// Statuses lists every availability in the order the guide names them.
func Statuses() []Status {
	return []Status{Free, Tentative, Busy, OOF, WorkingElsewhere, Unknown}
}

// ParseStatus reads an availability case-insensitively, as Graph may send
// "Busy" or "busy"; surrounding spaces are ignored.
func ParseStatus(s string) (Status, error) {
	t := strings.TrimSpace(s)
	for _, st := range Statuses() {
		if strings.EqualFold(t, string(st)) {
			return st, nil
		}
	}
	return "", fmt.Errorf("unknown availability %q; expected one of %s", s, statusList())
}

func statusList() string {
	var names []string
	for _, st := range Statuses() {
		names = append(names, string(st))
	}
	return strings.Join(names, ", ")
}

// Event is one calendar item as the sync user may see it. Subject and Location
// are empty when the item is private or the sync user lacks Reviewer rights.
type Event struct {
	Start    time.Time // UTC
	End      time.Time // UTC, after Start
	Status   Status
	Subject  string
	Location string
	Private  bool
}

// InProgress reports whether the event covers now: start <= now < end, so
// that back-to-back events hand over without a gap or an overlap.
func (e Event) InProgress(now time.Time) bool {
	return !now.Before(e.Start) && now.Before(e.End)
}

// Schedule is what was read for one mailbox: its events in the window, or
// the error that kept this mailbox (and only it) from being read.
type Schedule struct {
	Mailbox string
	Events  []Event
	Err     error
	// WorkingHours are the mailbox's published working hours; nil when it
	// publishes none (null, missing or {}), or when they could not be read,
	// and then WorkingHoursErr says why. Either leaves Events as read.
	WorkingHours    *workhours.WorkingHours
	WorkingHoursErr error
	// TeamsActivity is the user's Microsoft Teams activity (InACall, Presenting, ...) for rules
	// of type teams; "" when Teams presence is not read or not known. It is no event: it has no
	// end, and changes only when Teams says so.
	TeamsActivity string
}

// Boundaries returns the sorted, distinct event starts and ends strictly after
// now: the instants at which the desired presence of this mailbox may change.
func (s Schedule) Boundaries(now time.Time) []time.Time {
	var out []time.Time
	seen := make(map[int64]bool)
	add := func(t time.Time) {
		if !t.After(now) || seen[t.UnixNano()] {
			return
		}
		seen[t.UnixNano()] = true
		out = append(out, t)
	}
	for _, e := range s.Events {
		add(e.Start)
		add(e.End)
	}
	sortTimes(out)
	return out
}

func sortTimes(ts []time.Time) {
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
}
