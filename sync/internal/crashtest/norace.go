//go:build !race

package crashtest

// underRace: see race.go.
const underRace = false
