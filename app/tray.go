package app

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/calsync/calsync/assets"
	"github.com/calsync/calsync/sync/localapi"
)

// Health is the overall state the tray icon shows.
type Health int

// The tray states, from best to worst.
const (
	HealthOK      Health = iota // synced, nothing to report
	HealthSyncing               // a sync is running
	HealthWarning               // some users failed, the secret expires soon, sync is paused or degraded
	HealthError                 // nothing syncs: auth failure, config error, service not running
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

	syncNow := trayItem(lang.L("Sync now"), actions.SyncNow)
	// One sync at a time: the service would only queue a second one.
	if state.Health == HealthSyncing {
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

// trayMeetingActivity is the OneCloud activity the tray's summary counts.
const trayMeetingActivity = "meeting"

// traySummaryMax keeps an error text in the tray's status line to one readable line.
const traySummaryMax = 90

// TrayStateFromStatus derives the tray state from the service's status, or from the error of
// reaching it. Error: the service is not running, or it cannot sync at all (auth failure,
// config error). Syncing: a sync runs. Warning: paused, degraded, some users failed, or the
// client secret expires soon. OK otherwise.
func TrayStateFromStatus(st localapi.Status, err error) TrayState {
	if err != nil {
		return TrayState{Health: HealthError, Summary: lang.L("Service not running")}
	}
	paused := st.Paused || st.State == localapi.StatePaused
	if st.State == localapi.StateError || trayAuthFailure(st.Errors) {
		line := lang.L("Not syncing")
		if len(st.Errors) > 0 {
			line += ": " + trayShorten(st.Errors[0])
		}
		return TrayState{Health: HealthError, Summary: line, Paused: paused}
	}
	if st.Syncing || st.State == localapi.StateSyncing {
		line := lang.L("Syncing...")
		if st.Progress.Total > 0 {
			line = lang.L("Syncing... {{.Done}} of {{.Total}} users", map[string]any{"Done": st.Progress.Done, "Total": st.Progress.Total})
		}
		return TrayState{Health: HealthSyncing, Summary: line, Paused: paused}
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
	line := traySyncLine(st)
	if len(warnings) > 0 {
		return TrayState{Health: HealthWarning, Summary: line + " - " + strings.Join(warnings, " - "), Paused: paused}
	}
	return TrayState{Health: HealthOK, Summary: line}
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

// Tray is the part of desktop.App the GUI's tray uses.
type Tray interface {
	SetSystemTrayIcon(icon fyne.Resource)
	SetSystemTrayMenu(menu *fyne.Menu)
}

// ShowTrayState puts a state's icon and menu in the tray; call it on the UI goroutine.
func ShowTrayState(t Tray, state TrayState, actions TrayActions) {
	t.SetSystemTrayIcon(TrayIcon(state.Health))
	t.SetSystemTrayMenu(TrayMenu(state, actions))
}
