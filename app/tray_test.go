package app

import (
	"bytes"
	"errors"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/calsync/calsync/assets"
)

// menuRow is what a test checks of one menu item.
type menuRow struct {
	label    string
	disabled bool
}

func rows(m *fyne.Menu) []menuRow {
	out := make([]menuRow, 0, len(m.Items))
	for _, it := range m.Items {
		if it.IsSeparator {
			out = append(out, menuRow{label: "---"})
			continue
		}
		out = append(out, menuRow{label: it.Label, disabled: it.Disabled})
	}
	return out
}

// allActions records which callback ran.
func allActions(called *string) TrayActions {
	return TrayActions{
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
		state   TrayState
		actions TrayActions
		want    []menuRow
	}{
		{
			name:    "ok with summary",
			state:   TrayState{Health: HealthOK, Summary: "Synced 14:02 - 23 users - 4 in a meeting"},
			actions: allActions(&called),
			want: []menuRow{
				{"Synced 14:02 - 23 users - 4 in a meeting", true}, {"---", false},
				{"Sync now", false}, {"Pause", false}, {"Open...", false}, {"---", false}, {"Quit", false},
			},
		},
		{
			name:    "syncing: no second sync",
			state:   TrayState{Health: HealthSyncing},
			actions: allActions(&called),
			want: []menuRow{
				{"Syncing...", true}, {"---", false},
				{"Sync now", true}, {"Pause", false}, {"Open...", false}, {"---", false}, {"Quit", false},
			},
		},
		{
			name:    "paused offers resume",
			state:   TrayState{Health: HealthWarning, Paused: true},
			actions: allActions(&called),
			want: []menuRow{
				{"Paused", true}, {"---", false},
				{"Sync now", false}, {"Resume", false}, {"Open...", false}, {"---", false}, {"Quit", false},
			},
		},
		{
			name:    "warning default line",
			state:   TrayState{Health: HealthWarning},
			actions: allActions(&called),
			want: []menuRow{
				{"Sync needs attention", true}, {"---", false},
				{"Sync now", false}, {"Pause", false}, {"Open...", false}, {"---", false}, {"Quit", false},
			},
		},
		{
			name:    "error, engine actions not wired",
			state:   TrayState{Health: HealthError},
			actions: TrayActions{Open: func() {}, Quit: func() {}},
			want: []menuRow{
				{"Not syncing", true}, {"---", false},
				{"Sync now", true}, {"Pause", true}, {"Open...", false}, {"---", false}, {"Quit", false},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := TrayMenu(tt.state, tt.actions)
			got := rows(m)
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
		state TrayState
		label string
		want  string
	}{
		{TrayState{}, "Sync now", "sync"},
		{TrayState{}, "Pause", "pause"},
		{TrayState{Paused: true}, "Resume", "resume"},
		{TrayState{}, "Open...", "open"},
		{TrayState{}, "Quit", "quit"},
	} {
		var called string
		m := TrayMenu(tc.state, allActions(&called))
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
		h    Health
		want assets.Tray
	}{
		{HealthOK, assets.TrayOK},
		{HealthSyncing, assets.TraySyncing},
		{HealthWarning, assets.TrayWarning},
		{HealthError, assets.TrayError},
		{Health(42), assets.TrayError},
	} {
		r := TrayIcon(tc.h)
		if !bytes.Equal(r.Content(), assets.TrayIconPNG(tc.want)) {
			t.Errorf("TrayIcon(%d) is not the %v icon", tc.h, tc.want)
		}
		if r.Name() != assets.TrayIconName(tc.want) {
			t.Errorf("TrayIcon(%d).Name() = %q", tc.h, r.Name())
		}
	}
}

func TestTrayStateOf(t *testing.T) {
	stored := []SecretState{{Name: "graph", Set: true, Source: "keychain"}, {Name: "onecloud", Set: true, Source: "keychain"}}
	tests := []struct {
		name string
		st   Status
		err  error
		want TrayState
	}{
		{"all set", Status{Secrets: stored}, nil, TrayState{Health: HealthOK}},
		{"unreachable", Status{}, errors.New("connection refused"), TrayState{Health: HealthError, Summary: "Service not reachable"}},
		{"bad config", Status{ConfigErrors: []string{"x"}, Secrets: stored}, nil, TrayState{Health: HealthError, Summary: "Configuration has errors"}},
		{"missing token", Status{Secrets: []SecretState{{Name: "graph", Set: true}, {Name: "onecloud"}}}, nil,
			TrayState{Health: HealthWarning, Summary: "OneCloud API token not set"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TrayStateOf(tt.st, tt.err); got != tt.want {
				t.Errorf("TrayStateOf = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestAppIconIsTheProductIcon(t *testing.T) {
	if !bytes.Equal(AppIcon().Content(), assets.AppIconPNG()) {
		t.Error("AppIcon is not assets' icon.png")
	}
}
