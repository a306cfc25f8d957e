//go:build (dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd

package secrets

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The build constraint is go-keyring's own for its Secret Service provider.

// keychainReachable says whether a D-Bus session bus exists for
// go-keyring to talk to, without connecting to it.
func keychainReachable() error {
	return sessionBus(os.Getenv, fmt.Sprintf("/run/user/%d", os.Getuid()))
}

// sessionBus mirrors how godbus (v5, dbus.SessionBus) finds the session
// bus before it falls back to autolaunching one with dbus-launch: the
// DBUS_SESSION_BUS_ADDRESS variable, else runtimeDir/bus (the socket of a
// systemd user bus), else an address in runtimeDir/dbus-session. Where it
// would autolaunch, this reports ErrNoSessionBus instead.
func sessionBus(getenv func(string) string, runtimeDir string) error {
	if a := getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return nil
	}
	// godbus counts a path as present unless Stat says it does not exist.
	if _, err := os.Stat(filepath.Join(runtimeDir, "bus")); !os.IsNotExist(err) {
		return nil
	}
	if b, err := os.ReadFile(filepath.Join(runtimeDir, "dbus-session")); err == nil &&
		strings.HasPrefix(string(b), "DBUS_SESSION_BUS_ADDRESS=") {
		return nil
	}
	return ErrNoSessionBus
}
