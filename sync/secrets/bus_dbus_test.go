//go:build (dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd

package secrets

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestSessionBus checks the places godbus looks for a session bus before
// it would autolaunch one.
func TestSessionBus(t *testing.T) {
	tests := []struct {
		name  string
		addr  string
		files map[string]string // in the runtime directory
		want  error
	}{
		{"address set", "unix:path=/tmp/dbus-x", nil, nil},
		{"nothing", "", nil, ErrNoSessionBus},
		{"autolaunch address", "autolaunch:", nil, ErrNoSessionBus},
		{"systemd user bus", "", map[string]string{"bus": ""}, nil},
		{"dbus-session file", "", map[string]string{"dbus-session": "DBUS_SESSION_BUS_ADDRESS=unix:abstract=/tmp/dbus-y\n"}, nil},
		{"dbus-session without an address", "", map[string]string{"dbus-session": "garbage"}, ErrNoSessionBus},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			getenv := func(k string) string {
				if k == "DBUS_SESSION_BUS_ADDRESS" {
					return tt.addr
				}
				return ""
			}
			if err := sessionBus(getenv, dir); !errors.Is(err, tt.want) {
				t.Errorf("sessionBus = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestKeyringBackendWithoutBus: with no bus, the default backend answers
// at once, without calling go-keyring (which would autolaunch one).
func TestKeyringBackendWithoutBus(t *testing.T) {
	b := KeyringBackend{Reachable: func() error { return ErrNoSessionBus }}
	if _, err := b.Get("calsync", "graph-client-secret"); !errors.Is(err, ErrNoSessionBus) {
		t.Errorf("Get = %v", err)
	}
	if err := b.Set("calsync", "graph-client-secret", "v"); !errors.Is(err, ErrNoSessionBus) {
		t.Errorf("Set = %v", err)
	}
	if err := b.Delete("calsync", "graph-client-secret"); !errors.Is(err, ErrNoSessionBus) {
		t.Errorf("Delete = %v", err)
	}
}
