//go:build race

package engine

// stateCrashUnderRace: the race detector makes each child start ~10x slower and
// adds nothing to a test of what the file system sees, so the crash test
// kills fewer children (TestStateSaveSurvivesSIGKILL).
const stateCrashUnderRace = true
