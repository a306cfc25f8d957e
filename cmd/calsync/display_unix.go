//go:build !windows && !darwin

package main

// displayAlwaysPresent: on Linux and BSD a display is there only when
// DISPLAY or WAYLAND_DISPLAY says so.
const displayAlwaysPresent = false
