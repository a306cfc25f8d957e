// Package crashtest is a SIGKILL harness for tests of atomic saves: a test
// re-runs its own binary as a child that saves two versions of a file
// alternately, kills it with SIGKILL at random moments hundreds of times,
// and checks after every kill that the file is exactly one of the two
// versions (never a torn mix), that it loads, and that the temporary files of
// killed saves do not pile up. Run and Child need SIGKILL and an inherited
// fd 3, so they exist on Linux only; Options, Report and Kills build
// everywhere.
package crashtest

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"
)

// KillsEnv overrides the number of kills of every crash test, for a longer
// run: CALSYNC_CRASH_KILLS=3000 go test -run SIGKILL ./sync/config ./sync/presence
const KillsEnv = "CALSYNC_CRASH_KILLS"

// Kills is how many times a crash test kills its child: the positive number
// in the environment variable env if set, else 300 (60 under the race
// detector, 30 with -short).
func Kills(t *testing.T, env string) int {
	t.Helper()
	if s := os.Getenv(env); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number of kills", env, s)
		}
		return n
	}
	switch {
	case testing.Short():
		return 30
	case underRace:
		return 60
	}
	return 300
}

// defaultWindow is how long after its first "b" line the child may live:
// up to a few saves' time, so kills land in every phase of a save, the first
// ones included.
func defaultWindow() time.Duration {
	if underRace {
		return 150 * time.Millisecond // saves are that much slower
	}
	return 20 * time.Millisecond
}

// Options describe one crash test.
type Options struct {
	// Name says what is saved ("config", "state"); it starts the figures
	// line: "config crash safety: ...".
	Name string
	// Path is the file the child saves. Nothing else may be in its
	// directory (use a fresh t.TempDir()).
	Path string
	// Versions are the bytes a save of version 0 and of version 1 writes.
	// They must differ, best in size too, so a torn file could not pass
	// for either.
	Versions [2][]byte
	// HelperRun is the -test.run pattern that selects, in the child, the
	// test that calls Child, e.g. "^TestCrashSaveHelper$".
	HelperRun string
	// PathEnv and StartEnv name the environment variables that give the
	// child Path and the version it saves first; the helper test reads
	// PathEnv (and skips when it is empty), Child reads StartEnv.
	PathEnv, StartEnv string
	// Save saves version (0 or 1) to path in the test's own process: the
	// first version before the kills and a clean save after them.
	Save func(path string, version int) error
	// Load loads path after a kill and returns an error unless the loaded
	// value is the given version (the file is already known to hold its
	// bytes).
	Load func(path string, version int) error
	// Kills is how many times the child is killed; see Kills.
	Kills int
	// Window bounds the random time the child lives after it starts
	// saving; 0 means 20ms (150ms under the race detector).
	Window time.Duration
}

// Report is what a crash test saw: its figures.
type Report struct {
	Name    string // Options.Name
	Kills   int    // children killed, each followed by a successful load
	MidSave int    // kills during a save (a "b N" without its "d N")
	MidOld  int    // of MidSave, those that left the old version
	MidNew  int    // of MidSave, those that left the new version
	Between int    // kills between two saves: the last saved version was left
	// Littered is how many kills found temporary files left by killed
	// saves, MaxLitter the most found at once.
	Littered, MaxLitter int
	MaxSaves            int           // the most saves one child finished
	Elapsed             time.Duration // the whole test, kills and checks
}

// String is the figures line that docs/security.md quotes.
func (r Report) String() string {
	return fmt.Sprintf("%s crash safety: %d SIGKILLs in %s, %d loads OK; %d mid-save (%d old, %d new), %d between saves; "+
		"0 torn, 0 .bak; %d kills found a temporary file left (at most %d), each removed by the next save; up to %d saves per child",
		r.Name, r.Kills, r.Elapsed.Round(time.Millisecond), r.Kills, r.MidSave, r.MidOld, r.MidNew, r.Between, r.Littered, r.MaxLitter, r.MaxSaves)
}
