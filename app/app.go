// Package app is the Fyne desktop GUI; it reaches the engine only through the local API client.
//
// Screens and the tray menu are built by functions that take their dependencies (the Backend
// interface, plain state values and callbacks), so tests drive them with fyne.io/fyne/v2/test
// and never need a display, a tray or a running service. Run wires them into a real app.
package app

import (
	"errors"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"

	"github.com/calsync/calsync/assets"
)

// AppID is the reverse-DNS application ID, the same as in FyneApp.toml; Fyne keys the app's
// preferences and storage by it.
const AppID = "com.onecloud.calsync"

// Run opens the GUI on b and returns when the user quits it. With a system tray the app lives
// there: closing the window only hides it, and the tray's Open... brings it back.
func Run(b Backend) error {
	if b == nil {
		return errors.New("start GUI: no backend to show")
	}
	a := fyneapp.NewWithID(AppID)
	a.SetIcon(AppIcon())

	w := a.NewWindow(lang.L("OneCloud Calendar Sync"))
	status := NewStatusScreen(b)
	w.SetContent(status)
	w.Resize(fyne.NewSize(640, 480))

	if tray, ok := a.(desktop.App); ok {
		actions := TrayActions{Open: w.Show, Quit: a.Quit}
		tray.SetSystemTrayIcon(TrayIcon(HealthOK))
		tray.SetSystemTrayMenu(TrayMenu(TrayState{Health: HealthOK}, actions))
		tray.SetSystemTrayWindow(w)
		w.SetCloseIntercept(w.Hide)
		// Until the local API streams events, the tray follows the status screen's last reload.
		status.OnLoaded = func(st Status, err error) {
			state := TrayStateOf(st, err)
			tray.SetSystemTrayIcon(TrayIcon(state.Health))
			tray.SetSystemTrayMenu(TrayMenu(state, actions))
		}
	}

	status.Reload()
	w.ShowAndRun()
	return nil
}

// AppIcon is the application icon as a Fyne resource.
func AppIcon() fyne.Resource {
	return fyne.NewStaticResource("icon.png", assets.AppIconPNG())
}
