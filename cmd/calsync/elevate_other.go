//go:build !windows

package main

// elevateGUI is nil where the window has no "Restart as administrator": on
// Linux and macOS the GUI talks to a service of its own user, which lets it
// change everything.
func elevateGUI() func(draft string) error { return nil }
