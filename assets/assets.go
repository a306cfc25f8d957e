// Package assets holds the product's icons, embedded so the binary needs nothing beside it:
// the app icon (icon.png, 512x512, also named by FyneApp.toml) and one tray icon (64x64) per
// sync state. The PNGs are drawn by ./internal/genicons; edit that and run `go generate ./assets`.
package assets

import (
	"embed"
	"fmt"
)

//go:generate go run ./internal/genicons -out .

//go:embed icon.png tray-*.png
var files embed.FS

// Tray is the state a tray icon shows.
type Tray int

// The tray states, from best to worst.
const (
	TrayOK      Tray = iota // synced, nothing to report
	TraySyncing             // a sync is running
	TrayWarning             // some users failed, the client secret expires soon, or sync is paused
	TrayError               // authentication failed or the service is not running
)

// String is the state's name as used in the icon file name: ok, syncing, warning, error.
func (t Tray) String() string {
	switch t {
	case TrayOK:
		return "ok"
	case TraySyncing:
		return "syncing"
	case TrayWarning:
		return "warning"
	case TrayError:
		return "error"
	}
	return fmt.Sprintf("Tray(%d)", int(t))
}

// AppIconPNG returns the 512x512 application icon.
func AppIconPNG() []byte { return read("icon.png") }

// TrayIconPNG returns the tray icon for a state; an unknown state gets the error icon, so a
// programming slip shows as "something is wrong" rather than as "all fine".
func TrayIconPNG(t Tray) []byte {
	switch t {
	case TrayOK, TraySyncing, TrayWarning, TrayError:
		return read("tray-" + t.String() + ".png")
	}
	return read("tray-error.png")
}

// TrayIconName is the file name of a state's tray icon, for APIs that want a resource name.
func TrayIconName(t Tray) string {
	switch t {
	case TrayOK, TraySyncing, TrayWarning, TrayError:
		return "tray-" + t.String() + ".png"
	}
	return "tray-error.png"
}

// read returns an embedded file; the names are fixed above and checked by the tests, so a
// missing file is a build mistake, not an input error.
func read(name string) []byte {
	b, err := files.ReadFile(name)
	if err != nil {
		panic(fmt.Sprintf("assets: embedded %s missing: %v", name, err))
	}
	return b
}
