//go:build !race

package engine

// stateCrashUnderRace: see state_crash_race_test.go.
const stateCrashUnderRace = false
