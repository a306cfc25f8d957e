//go:build !windows

package config

// programData is Windows' ProgramData folder; elsewhere there is none.
func programData() string { return "" }
