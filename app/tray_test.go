package app

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/calsync/calsync/assets"
	"github.com/calsync/calsync/sync/localapi"
	"github.com/calsync/calsync/sync/onecloud"
)

// trayMenuRow is what a test checks of one menu item.
type trayMenuRow struct {
	label    string
	disabled bool
}

func trayRows(m *fyne.Menu) []trayMenuRow {
	out := make([]trayMenuRow, 0, len(m.Items))
	for _, it := range m.Items {
		if it.IsSeparator {
			out = append(out, trayMenuRow{label: "---"})
			continue
		}
		out = append(out, trayMenuRow{label: it.Label, disabled: it.Disabled})
	}
	return out
}

// allActions records which callback ran.
func trayAllActions(called *string) trayActions {
	return trayActions{
		SyncNow: func() { *called = "sync" },
		Pause:   func() { *called = "pause" },
		Resume:  func() { *called = "resume" },
		Open:    func() { *called = "open" },
		Quit:    func() { *called = "quit" },
	}
}

func TestTrayMenuPerState(t *testing.T) {
	var called string
	tests := []struct {
		name    string
		state   trayState
		actions trayActions
		want    []trayMenuRow
	}{
		{
			name:    "ok with summary",
			state:   trayState{Health: healthOK, Summary: "Synced 14:02 - 23 users - 4 in a meeting"},
			actions: trayAllActions(&called),
			want: []trayMenuRow{
				{"Synced 14:02 - 23 users - 4 in a meeting", true}, {"---", false},
				{"Sync now", false}, {"Pause", false}, {"Open...", false}, {"---", false}, {"Quit", false},
			},
		},
		{
			name:    "syncing: no second sync",
			state:   trayState{Health: healthSyncing},
			actions: trayAllActions(&called),
			want: []trayMenuRow{
				{"Syncing...", true}, {"---", false},
				{"Sync now", true}, {"Pause", false}, {"Open...", false}, {"---", false}, {"Quit", false},
			},
		},
		{
			name:    "paused offers resume",
			state:   trayState{Health: healthWarning, Paused: true},
			actions: trayAllActions(&called),
			want: []trayMenuRow{
				{"Paused", true}, {"---", false},
				{"Sync now", false}, {"Resume", false}, {"Open...", false}, {"---", false}, {"Quit", false},
			},
		},
		{
			name:    "warning default line",
			state:   trayState{Health: healthWarning},
			actions: trayAllActions(&called),
			want: []trayMenuRow{
				{"Sync needs attention", true}, {"---", false},
				{"Sync now", false}, {"Pause", false}, {"Open...", false}, {"---", false}, {"Quit", false},
			},
		},
		{
			name:    "error, engine actions not wired",
			state:   trayState{Health: healthError},
			actions: trayActions{Open: func() {}, Quit: func() {}},
			want: []trayMenuRow{
				{"Not syncing", true}, {"---", false},
				{"Sync now", true}, {"Pause", true}, {"Open...", false}, {"---", false}, {"Quit", false},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := trayMenu(tt.state, tt.actions)
			got := trayRows(m)
			if len(got) != len(tt.want) {
				t.Fatalf("menu = %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("item %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
			last := m.Items[len(m.Items)-1]
			if !last.IsQuit {
				t.Error("Quit item is not marked IsQuit; Fyne would add a second Quit")
			}
		})
	}
}

func TestTrayMenuItemsCallTheirActions(t *testing.T) {
	for _, tc := range []struct {
		state trayState
		label string
		want  string
	}{
		{trayState{}, "Sync now", "sync"},
		{trayState{}, "Pause", "pause"},
		{trayState{Paused: true}, "Resume", "resume"},
		{trayState{}, "Open...", "open"},
		{trayState{}, "Quit", "quit"},
	} {
		var called string
		m := trayMenu(tc.state, trayAllActions(&called))
		var found bool
		for _, it := range m.Items {
			if it.Label == tc.label {
				found = true
				it.Action()
			}
		}
		if !found {
			t.Errorf("no %q item", tc.label)
		}
		if called != tc.want {
			t.Errorf("%q called %q, want %q", tc.label, called, tc.want)
		}
	}
}

func TestTrayIconPerHealth(t *testing.T) {
	for _, tc := range []struct {
		h    health
		want assets.Tray
	}{
		{healthOK, assets.TrayOK},
		{healthSyncing, assets.TraySyncing},
		{healthWarning, assets.TrayWarning},
		{healthError, assets.TrayError},
		{health(42), assets.TrayError},
	} {
		r := trayIcon(tc.h)
		if !bytes.Equal(r.Content(), assets.TrayIconPNG(tc.want)) {
			t.Errorf("TrayIcon(%d) is not the %v icon", tc.h, tc.want)
		}
		if r.Name() != assets.TrayIconName(tc.want) {
			t.Errorf("TrayIcon(%d).Name() = %q", tc.h, r.Name())
		}
	}
}

func TestAppIconIsTheProductIcon(t *testing.T) {
	if !bytes.Equal(appIcon().Content(), assets.AppIconPNG()) {
		t.Error("appIcon is not assets' icon.png")
	}
}

func TestTrayStateFromStatus(t *testing.T) {
	synced := time.Date(2026, 11, 25, 13, 2, 0, 0, time.UTC)
	at := synced.Local().Format("15:04")
	users := func(activities ...string) []localapi.UserStatus {
		out := make([]localapi.UserStatus, len(activities))
		for i, a := range activities {
			out[i] = localapi.UserStatus{OneCloudUser: fmt.Sprint("u", i), Current: localapi.Presence{Activity: a}}
		}
		return out
	}
	office := users("meeting", "available", "Meeting", "away", "meeting", "meeting")
	failed := users("meeting", "available")
	failed[1].LastError = "mailbox not found"

	tests := []struct {
		name string
		st   localapi.Status
		err  error
		want trayState
	}{
		{"ok", localapi.Status{State: localapi.StateOK, LastSync: synced, Users: office}, nil,
			trayState{Health: healthOK, Summary: "Synced " + at + " - 6 users - 4 in a meeting"}},
		{"ok, nobody in a meeting", localapi.Status{State: localapi.StateOK, LastSync: synced, Users: users("available")}, nil,
			trayState{Health: healthOK, Summary: "Synced " + at + " - 1 user"}},
		{"never synced", localapi.Status{State: localapi.StateOK, Users: users("available", "away")}, nil,
			trayState{Health: healthOK, Summary: "Not synced yet - 2 users"}},
		{"syncing", localapi.Status{State: localapi.StateSyncing, Syncing: true, Progress: localapi.Progress{Done: 5, Total: 23}}, nil,
			trayState{Health: healthSyncing, Summary: "Syncing... 5 of 23 users"}},
		{"syncing, no progress yet", localapi.Status{State: localapi.StateSyncing, Syncing: true}, nil,
			trayState{Health: healthSyncing, Summary: "Syncing..."}},
		{"some users failed", localapi.Status{State: localapi.StateDegraded, LastSync: synced, Users: failed}, nil,
			trayState{Health: healthWarning, Summary: "Synced " + at + " - 2 users - 1 in a meeting - 1 with errors - degraded"}},
		{"secret expires soon", localapi.Status{State: localapi.StateOK, LastSync: synced, Users: users("away"), SecretExpiresWarning: "expires in 20 days"}, nil,
			trayState{Health: healthWarning, Summary: "Synced " + at + " - 1 user - client secret expires soon"}},
		{"paused", localapi.Status{State: localapi.StatePaused, Paused: true, LastSync: synced}, nil,
			trayState{Health: healthWarning, Summary: "Synced " + at + " - 0 users - paused", Paused: true}},
		{"degraded", localapi.Status{State: localapi.StateDegraded, LastSync: synced, Degraded: "OneCloud unreachable"}, nil,
			trayState{Health: healthWarning, Summary: "Synced " + at + " - 0 users - degraded"}},
		{"auth failure", localapi.Status{State: localapi.StateError, Errors: []string{"get token: AADSTS7000215: Invalid client secret provided."}}, nil,
			trayState{Health: healthError, Summary: "Not syncing: get token: AADSTS7000215: Invalid client secret provided."}},
		{"auth failure reported as a plain error", localapi.Status{State: localapi.StateOK, Errors: []string{"onecloud: 401 Unauthorized"}}, nil,
			trayState{Health: healthError, Summary: "Not syncing: onecloud: 401 Unauthorized"}},
		{"config error", localapi.Status{State: localapi.StateError, Errors: []string{"config: sync.interval: 5s is under the 15s minimum"}}, nil,
			trayState{Health: healthError, Summary: "Not syncing: config: sync.interval: 5s is under the 15s minimum"}},
		{"error state without text", localapi.Status{State: localapi.StateError}, nil,
			trayState{Health: healthError, Summary: "Not syncing"}},
		{"service not running", localapi.Status{}, errors.New("dial unix /run/calsync.sock: connection refused"),
			trayState{Health: healthError, Summary: "Service not running"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := trayStateFromStatus(tt.st, tt.err); got != tt.want {
				t.Errorf("trayStateFromStatus = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestTrayStateFromStatusShortensLongErrors(t *testing.T) {
	long := strings.Repeat("very long error ", 20)
	got := trayStateFromStatus(localapi.Status{State: localapi.StateError, Errors: []string{long}}, nil)
	if n := len([]rune(got.Summary)); n > len("Not syncing: ")+traySummaryMax {
		t.Errorf("summary has %d characters: %q", n, got.Summary)
	}
}

// TestTrayMenuFromStatus checks the menu a status leads to, the way Run builds it.
func TestTrayMenuFromStatus(t *testing.T) {
	synced := time.Date(2026, 11, 25, 13, 2, 0, 0, time.UTC)
	at := synced.Local().Format("15:04")
	var called string
	for _, tc := range []struct {
		name       string
		st         localapi.Status
		err        error
		line       string
		syncOff    bool
		pauseLabel string
	}{
		{"ok", localapi.Status{State: localapi.StateOK, LastSync: synced}, nil, "Synced " + at + " - 0 users", false, "Pause"},
		{"syncing", localapi.Status{State: localapi.StateSyncing, Syncing: true}, nil, "Syncing...", true, "Pause"},
		{"paused", localapi.Status{State: localapi.StatePaused, Paused: true}, nil, "Not synced yet - 0 users - paused", false, "Resume"},
		{"error", localapi.Status{State: localapi.StateError, Errors: []string{"AADSTS700016"}}, nil, "Not syncing: AADSTS700016", false, "Pause"},
		{"not running", localapi.Status{}, errors.New("refused"), "Service not running", false, "Pause"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := trayMenu(trayStateFromStatus(tc.st, tc.err), trayAllActions(&called))
			got := trayRows(m)
			want := []trayMenuRow{
				{tc.line, true}, {"---", false}, {"Sync now", tc.syncOff}, {tc.pauseLabel, false},
				{"Open...", false}, {"---", false}, {"Quit", false},
			}
			if !slices.Equal(got, want) {
				t.Errorf("menu = %+v, want %+v", got, want)
			}
		})
	}
}

// fakeTray records what the tray shows.
type fakeTray struct {
	icon fyne.Resource
	menu *fyne.Menu
}

func (f *fakeTray) SetSystemTrayIcon(r fyne.Resource) { f.icon = r }
func (f *fakeTray) SetSystemTrayMenu(m *fyne.Menu)    { f.menu = m }

func TestShowTrayState(t *testing.T) {
	var ft fakeTray
	showTrayState(&ft, trayState{Health: healthWarning, Summary: "Synced 14:02 - 2 users - paused", Paused: true}, trayActions{})
	if ft.icon == nil || ft.icon.Name() != assets.TrayIconName(assets.TrayWarning) {
		t.Errorf("icon = %v, want the warning icon", ft.icon)
	}
	if ft.menu == nil || ft.menu.Items[0].Label != "Synced 14:02 - 2 users - paused" || ft.menu.Items[3].Label != "Resume" {
		t.Errorf("menu = %+v", ft.menu)
	}
}

func TestNotifierOncePerNewError(t *testing.T) {
	var sent []*fyne.Notification
	n := newNotifier(func(m *fyne.Notification) { sent = append(sent, m) })
	down := errors.New("dial unix /run/calsync.sock: connection refused")
	authErr := localapi.Status{State: localapi.StateError, Errors: []string{"get token: AADSTS7000215: Invalid client secret provided."}}
	userErr := localapi.Status{State: localapi.StateDegraded, Users: []localapi.UserStatus{
		{Name: "Anna", LastError: "mailbox not found"}, {Name: "Bruno", LastError: "mailbox not found"},
	}}

	steps := []struct {
		name     string
		st       localapi.Status
		err      error
		wantSent int    // notifications so far
		wantIn   string // text in the newest one
	}{
		{"healthy", localapi.Status{State: localapi.StateOK}, nil, 0, ""},
		{"service goes away", localapi.Status{}, down, 1, "Service tab"},
		{"reconnect attempt fails again", localapi.Status{}, errors.New("dial unix: no such file"), 1, ""},
		{"service back with an auth failure", authErr, nil, 2, "AADSTS7000215"},
		{"the same failure on the next retry", authErr, nil, 2, ""},
		{"a new sync starts and has not reported yet", localapi.Status{State: localapi.StateSyncing, Syncing: true}, nil, 2, ""},
		{"the same failure after it", authErr, nil, 2, ""},
		{"two users fail alike: one problem", userErr, nil, 3, "Anna, Bruno: mailbox not found"},
		{"still failing", userErr, nil, 3, ""},
		{"fixed", localapi.Status{State: localapi.StateOK}, nil, 3, ""},
		{"the auth failure comes back later", authErr, nil, 4, "Connector tab"},
		{"service goes away again", localapi.Status{}, down, 5, "not running"},
	}
	for _, s := range steps {
		n.Observe(s.st, s.err)
		if len(sent) != s.wantSent {
			t.Fatalf("%s: %d notifications, want %d", s.name, len(sent), s.wantSent)
		}
		if s.wantIn != "" && !strings.Contains(sent[len(sent)-1].Content, s.wantIn) {
			t.Errorf("%s: notification %q does not contain %q", s.name, sent[len(sent)-1].Content, s.wantIn)
		}
	}
}

func TestNotifierGroupsSeveralNewProblems(t *testing.T) {
	var sent []*fyne.Notification
	n := newNotifier(func(m *fyne.Notification) { sent = append(sent, m) })
	n.Observe(localapi.Status{
		Errors:               []string{"onecloud: 401 Unauthorized"},
		SecretExpiresWarning: "The client secret expires in 9 days",
	}, nil)
	if len(sent) != 1 {
		t.Fatalf("%d notifications, want one for both problems", len(sent))
	}
	if !strings.Contains(sent[0].Title, "2 problems") || !strings.Contains(sent[0].Content, "401 Unauthorized") ||
		!strings.Contains(sent[0].Content, "Test connection") {
		t.Errorf("notification = %q / %q", sent[0].Title, sent[0].Content)
	}
	var nilNotifier *notifier
	nilNotifier.Observe(localapi.Status{Errors: []string{"x"}}, nil) // must not panic
}

// TestNotifierTicketExpiryStages: the OneCloud ticket's expiry warning (as
// the Entra secret's) notifies at 30, 7 and 1 days before and on expiry,
// not every day in between, and the tray and the Status tab show it.
func TestNotifierTicketExpiryStages(t *testing.T) {
	var sent []*fyne.Notification
	n := newNotifier(func(m *fyne.Notification) { sent = append(sent, m) })
	exp := time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)
	var notifiedAt []int
	for days := 35; days >= -2; days-- {
		now := exp.AddDate(0, 0, -days).Add(9 * time.Hour)
		before := len(sent)
		n.Observe(localapi.Status{State: localapi.StateOK, OneCloudTokenExpiresWarning: onecloud.TokenExpiryWarning(exp, now)}, nil)
		if len(sent) > before {
			notifiedAt = append(notifiedAt, days)
		}
	}
	if want := []int{30, 7, 1, 0}; !slices.Equal(notifiedAt, want) {
		t.Errorf("notified %v days before, want %v", notifiedAt, want)
	}
	for _, m := range sent {
		if !strings.Contains(m.Content, "OneCloud API ticket") || !strings.Contains(m.Content, "Home -> Tickets") {
			t.Errorf("notification %q / %q", m.Title, m.Content)
		}
	}

	st := localapi.Status{State: localapi.StateOK, OneCloudTokenExpiresWarning: "The OneCloud API ticket expires on 2027-01-31 (in 7 days)"}
	if got := trayStateFromStatus(st, nil); got.Health != healthWarning || !strings.Contains(got.Summary, "OneCloud API ticket expires soon") {
		t.Errorf("tray = %+v", got)
	}
	found := false
	for _, o := range statusProblemLabels(st) {
		if l, ok := o.(*widget.Label); ok && l.Text == st.OneCloudTokenExpiresWarning {
			found = true
		}
	}
	if !found {
		t.Error("the Status tab does not show the ticket's warning")
	}
}

// TestNotifierRefusedTicketRemedy: a OneCloud 401 in the status gets the
// ticket's remedy, not the Entra secret's.
func TestNotifierRefusedTicketRemedy(t *testing.T) {
	var sent []*fyne.Notification
	n := newNotifier(func(m *fyne.Notification) { sent = append(sent, m) })
	e := (&onecloud.APIError{Op: "list activities", Status: 401, Code: "unauthorized",
		TokenExpires: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}).Error()
	n.Observe(localapi.Status{State: localapi.StateError, Errors: []string{e}}, nil)
	if len(sent) != 1 || !strings.Contains(sent[0].Content, "calsync knew it expires on 2026-12-01") ||
		!strings.Contains(sent[0].Content, "Home -> Tickets") || strings.Contains(sent[0].Content, "client secret") {
		t.Errorf("notifications %+v", sent)
	}
}
