package app

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/calsync/calsync/assets"
	"github.com/calsync/calsync/sync/localapi"
)

// health is the overall state the tray icon shows.
type health int

// The tray states, from best to worst.
const (
	healthOK      health = iota // synced, nothing to report
	healthSyncing               // a sync is running
	healthWarning               // some users failed, the secret expires soon, sync is paused or degraded
	healthError                 // nothing syncs: auth failure, config error, service not running
)

// trayState is what the tray shows.
type trayState struct {
	Health  health
	Summary string // one line, e.g. "Synced 14:02 - 23 users - 4 in a meeting"; empty: a default per Health
	Paused  bool
}

// trayActions are the tray menu's callbacks; a nil action shows its item disabled.
type trayActions struct {
	SyncNow func()
	Pause   func()
	Resume  func()
	Open    func() // show the window
	Quit    func() // quit the GUI only; the service keeps running
}

// trayMenu builds the tray menu for a state: the status line, Sync now, Pause or Resume, Open...,
// Quit. It is a plain function so tests can check it; the Fyne test app has no tray.
func trayMenu(state trayState, actions trayActions) *fyne.Menu {
	status := fyne.NewMenuItem(trayStatusLine(state), nil)
	status.Disabled = true

	syncNow := trayItem(lang.L("Sync now"), actions.SyncNow)
	// One sync at a time: the service would only queue a second one.
	if state.Health == healthSyncing {
		syncNow.Disabled = true
	}

	pause := trayItem(lang.L("Pause"), actions.Pause)
	if state.Paused {
		pause = trayItem(lang.L("Resume"), actions.Resume)
	}

	quit := trayItem(lang.L("Quit"), actions.Quit)
	quit.IsQuit = true // so Fyne does not add a second Quit of its own

	return fyne.NewMenu(lang.L("OneCloud Calendar Sync"),
		status,
		fyne.NewMenuItemSeparator(),
		syncNow,
		pause,
		trayItem(lang.L("Open..."), actions.Open),
		fyne.NewMenuItemSeparator(),
		quit,
	)
}

func trayItem(label string, action func()) *fyne.MenuItem {
	it := fyne.NewMenuItem(label, action)
	it.Disabled = action == nil
	return it
}

func trayStatusLine(s trayState) string {
	if s.Summary != "" {
		return s.Summary
	}
	if s.Paused {
		return lang.L("Paused")
	}
	switch s.Health {
	case healthOK:
		return lang.L("Sync is working")
	case healthSyncing:
		return lang.L("Syncing...")
	case healthWarning:
		return lang.L("Sync needs attention")
	}
	return lang.L("Not syncing")
}

// trayIcon is the tray icon for a health state.
func trayIcon(h health) fyne.Resource {
	t := trayAsset(h)
	return fyne.NewStaticResource(assets.TrayIconName(t), assets.TrayIconPNG(t))
}

func trayAsset(h health) assets.Tray {
	switch h {
	case healthOK:
		return assets.TrayOK
	case healthSyncing:
		return assets.TraySyncing
	case healthWarning:
		return assets.TrayWarning
	}
	return assets.TrayError
}

// trayMeetingActivity is the OneCloud activity the tray's summary counts.
const trayMeetingActivity = "meeting"

// traySummaryMax keeps an error text in the tray's status line to one readable line.
const traySummaryMax = 90

// trayStateFromStatus derives the tray state from the service's status, or from the error of
// reaching it. Error: the service is not running, or it cannot sync at all (auth failure,
// config error). Syncing: a sync runs. Warning: paused, degraded, some users failed, or the
// client secret expires soon. OK otherwise.
func trayStateFromStatus(st localapi.Status, err error) trayState {
	if err != nil {
		return trayState{Health: healthError, Summary: lang.L("Service not running")}
	}
	paused := st.Paused || st.State == localapi.StatePaused
	if st.State == localapi.StateError || trayAuthFailure(st.Errors) {
		line := lang.L("Not syncing")
		if len(st.Errors) > 0 {
			line += ": " + trayShorten(st.Errors[0])
		}
		return trayState{Health: healthError, Summary: line, Paused: paused}
	}
	if st.Syncing || st.State == localapi.StateSyncing {
		line := lang.L("Syncing...")
		if st.Progress.Total > 0 {
			line = lang.L("Syncing... {{.Done}} of {{.Total}} users", map[string]any{"Done": st.Progress.Done, "Total": st.Progress.Total})
		}
		return trayState{Health: healthSyncing, Summary: line, Paused: paused}
	}

	var warnings []string
	if paused {
		warnings = append(warnings, lang.L("paused"))
	}
	if failed := statusFailedUsers(st); failed > 0 {
		warnings = append(warnings, lang.L("{{.Count}} with errors", map[string]any{"Count": failed}))
	}
	if len(st.Errors) > 0 {
		warnings = append(warnings, trayShorten(st.Errors[0]))
	}
	if st.Degraded != "" || st.State == localapi.StateDegraded {
		warnings = append(warnings, lang.L("degraded"))
	}
	if st.SecretExpiresWarning != "" {
		warnings = append(warnings, lang.L("client secret expires soon"))
	}
	if st.OneCloudTokenExpiresWarning != "" {
		warnings = append(warnings, lang.L("OneCloud API ticket expires soon"))
	}
	line := traySyncLine(st)
	if len(warnings) > 0 {
		return trayState{Health: healthWarning, Summary: line + " - " + strings.Join(warnings, " - "), Paused: paused}
	}
	return trayState{Health: healthOK, Summary: line}
}

// traySyncLine is "Synced 14:02 - 23 users - 4 in a meeting" (local time).
func traySyncLine(st localapi.Status) string {
	meeting := 0
	for _, u := range st.Users {
		if strings.EqualFold(u.Current.Activity, trayMeetingActivity) {
			meeting++
		}
	}
	data := map[string]any{"Users": trayUsersText(len(st.Users)), "Meeting": meeting}
	var line string
	if st.LastSync.IsZero() {
		line = lang.L("Not synced yet - {{.Users}}", data)
	} else {
		data["Time"] = st.LastSync.Local().Format("15:04")
		line = lang.L("Synced {{.Time}} - {{.Users}}", data)
	}
	if meeting > 0 {
		line += " - " + lang.L("{{.Meeting}} in a meeting", data)
	}
	return line
}

// trayUsersText is "1 user" or "23 users". Separate keys rather than plural forms keep the
// translation files flat.
func trayUsersText(n int) string {
	if n == 1 {
		return lang.L("1 user")
	}
	return lang.L("{{.Count}} users", map[string]any{"Count": n})
}

// trayAuthFailure spots errors that stop every sync: Entra sign-in (AADSTS codes, a rejected
// client) and OneCloud rejecting the token.
func trayAuthFailure(errs []string) bool {
	for _, e := range errs {
		if trayIsAuthError(e) {
			return true
		}
	}
	return false
}

func trayIsAuthError(e string) bool {
	l := strings.ToLower(e)
	for _, marker := range []string{"aadsts", "invalid_client", "unauthorized", "unauthorised", "authentication failed", "401"} {
		if strings.Contains(l, marker) {
			return true
		}
	}
	return false
}

func trayShorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > traySummaryMax {
		return string(r[:traySummaryMax-1]) + "…"
	}
	return s
}

// tray is the part of desktop.App the GUI's tray uses.
type tray interface {
	SetSystemTrayIcon(icon fyne.Resource)
	SetSystemTrayMenu(menu *fyne.Menu)
}

// showTrayState puts a state's icon and menu in the tray; call it on the UI goroutine.
func showTrayState(t tray, state trayState, actions trayActions) {
	t.SetSystemTrayIcon(trayIcon(state.Health))
	t.SetSystemTrayMenu(trayMenu(state, actions))
}
