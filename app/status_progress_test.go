package app

import (
	"strconv"
	"testing"

	"github.com/calsync/calsync/sync/localapi"
)

// While a sync runs the service reports the users handled so far; the screen's bar and the
// tray's line follow each status.
func TestStatusScreenShowsPartialProgress(t *testing.T) {
	b := newFakeStatusBackend(localapi.Status{State: localapi.StateOK, Users: statusTestUsers()})
	s, loads, _ := startedStatusScreen(t, b)
	nextStatusLoad(t, loads)
	if s.progress.Visible() {
		t.Fatal("progress shown while no sync runs")
	}
	for _, p := range []localapi.Progress{{Done: 0, Total: 5}, {Done: 2, Total: 5}, {Done: 4, Total: 5}} {
		st := localapi.Status{State: localapi.StateSyncing, Syncing: true, Progress: p, Users: statusTestUsers()}
		b.events <- localapi.Event{Type: localapi.EventStatus, Status: &st}
		l := nextStatusLoad(t, loads)
		if !s.progress.Visible() || s.progress.Value != float64(p.Done) || s.progress.Max != float64(p.Total) {
			t.Errorf("%d of %d: bar visible %v at %v of %v", p.Done, p.Total, s.progress.Visible(), s.progress.Value, s.progress.Max)
		}
		want := statusProgressLine(p)
		if got := s.progress.TextFormatter(); got != want {
			t.Errorf("bar text %q, want %q", got, want)
		}
		if got := trayStateFromStatus(l.st, nil); got.Health != healthSyncing || got.Summary != want {
			t.Errorf("tray %+v, want syncing %q", got, want)
		}
	}
	done := localapi.Status{State: localapi.StateOK, Progress: localapi.Progress{Done: 5, Total: 5}, Users: statusTestUsers()}
	b.events <- localapi.Event{Type: localapi.EventSyncFinished, Status: &done}
	nextStatusLoad(t, loads)
	if s.progress.Visible() {
		t.Error("progress still shown after the sync")
	}
}

// statusProgressLine is the English progress line.
func statusProgressLine(p localapi.Progress) string {
	return "Syncing... " + strconv.Itoa(p.Done) + " of " + strconv.Itoa(p.Total) + " users"
}
