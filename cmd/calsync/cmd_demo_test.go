package main

import (
	"strings"
	"testing"

	"github.com/calsync/calsync/sync/localapi"
)

// TestDemoSocketPath: on Windows the desktop demo serves a pipe of its own process, never the
// service's protected one; elsewhere the socket beside its temporary configuration.
func TestDemoSocketPath(t *testing.T) {
	got := demoSocketPath("windows", 4242)
	if got != localapi.ProcessPipeName(4242) || got == localapi.DefaultPipeName ||
		strings.HasPrefix(strings.ToLower(got), `\\.\pipe\protectedprefix\`) {
		t.Errorf("windows demo pipe %q: want the process's own, outside ProtectedPrefix", got)
	}
	if demoSocketPath("windows", 1) == demoSocketPath("windows", 2) {
		t.Error("two demos would share a pipe")
	}
	for _, goos := range []string{"linux", "darwin"} {
		if got := demoSocketPath(goos, 4242); got != "" {
			t.Errorf("%s: %q, want the default socket beside the demo's configuration", goos, got)
		}
	}
}
