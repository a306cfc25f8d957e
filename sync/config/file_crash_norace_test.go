//go:build !race

package config

// crashUnderRace: see file_crash_race_test.go.
const crashUnderRace = false
