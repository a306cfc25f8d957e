//go:build race

package crashtest

// underRace: the race detector makes each child start ~10x slower and adds
// nothing to a test of what the file system sees, so crash tests kill fewer
// children (Kills) and give each longer (defaultWindow).
const underRace = true
