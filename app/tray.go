package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/calsync/calsync/assets"
)

// Health is the overall state the tray icon shows.
type Health int

// The tray states, from best to worst.
const (
	HealthOK      Health = iota // synced, nothing to report
	HealthSyncing               // a sync is running
	HealthWarning               // some users failed, the secret expires soon, sync is paused, set-up incomplete
	HealthError                 // nothing can sync: auth failure, service not running, invalid config
)

// TrayState is what the tray shows.
type TrayState struct {
	Health  Health
	Summary string // one line, e.g. "Synced 14:02 - 23 users - 4 in a meeting"; empty: a default per Health
	Paused  bool
}

// TrayActions are the tray menu's callbacks; a nil action shows its item disabled.
type TrayActions struct {
	SyncNow func()
	Pause   func()
	Resume  func()
	Open    func() // show the window
	Quit    func() // quit the GUI only; the service keeps running
}

// TrayMenu builds the tray menu for a state: the status line, Sync now, Pause or Resume, Open...,
// Quit. It is a plain function so tests can check it; the Fyne test app has no tray.
func TrayMenu(state TrayState, actions TrayActions) *fyne.Menu {
	status := fyne.NewMenuItem(trayStatusLine(state), nil)
	status.Disabled = true

	syncNow := item(lang.L("Sync now"), actions.SyncNow)
	// One sync at a time: the service would only queue a second one.
	if state.Health == HealthSyncing {
		syncNow.Disabled = true
	}

	pause := item(lang.L("Pause"), actions.Pause)
	if state.Paused {
		pause = item(lang.L("Resume"), actions.Resume)
	}

	quit := item(lang.L("Quit"), actions.Quit)
	quit.IsQuit = true // so Fyne does not add a second Quit of its own

	return fyne.NewMenu(lang.L("OneCloud Calendar Sync"),
		status,
		fyne.NewMenuItemSeparator(),
		syncNow,
		pause,
		item(lang.L("Open..."), actions.Open),
		fyne.NewMenuItemSeparator(),
		quit,
	)
}

func item(label string, action func()) *fyne.MenuItem {
	it := fyne.NewMenuItem(label, action)
	it.Disabled = action == nil
	return it
}

func trayStatusLine(s TrayState) string {
	if s.Summary != "" {
		return s.Summary
	}
	if s.Paused {
		return lang.L("Paused")
	}
	switch s.Health {
	case HealthOK:
		return lang.L("Sync is working")
	case HealthSyncing:
		return lang.L("Syncing...")
	case HealthWarning:
		return lang.L("Sync needs attention")
	}
	return lang.L("Not syncing")
}

// TrayIcon is the tray icon for a health state.
func TrayIcon(h Health) fyne.Resource {
	t := trayAsset(h)
	return fyne.NewStaticResource(assets.TrayIconName(t), assets.TrayIconPNG(t))
}

func trayAsset(h Health) assets.Tray {
	switch h {
	case HealthOK:
		return assets.TrayOK
	case HealthSyncing:
		return assets.TraySyncing
	case HealthWarning:
		return assets.TrayWarning
	}
	return assets.TrayError
}

// TrayStateOf derives the tray state from a status fetch: no answer or an invalid config means
// nothing syncs (error); a missing secret means set-up is incomplete (warning).
func TrayStateOf(st Status, err error) TrayState {
	switch {
	case err != nil:
		return TrayState{Health: HealthError, Summary: lang.L("Service not reachable")}
	case len(st.ConfigErrors) > 0:
		return TrayState{Health: HealthError, Summary: lang.L("Configuration has errors")}
	}
	for _, s := range st.Secrets {
		if !s.Set {
			return TrayState{Health: HealthWarning, Summary: secretTitle(s.Name) + " " + lang.L("not set")}
		}
	}
	return TrayState{Health: HealthOK}
}
