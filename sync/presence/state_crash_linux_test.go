//go:build linux

package presence

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/internal/crashtest"
)

// The crash test re-runs this test binary as a child that saves the state in
// a loop until it is killed. These variables select that mode.
const (
	stateCrashHelperEnv = "CALSYNC_CRASH_STATE"       // the state path the child saves
	stateCrashStartEnv  = "CALSYNC_CRASH_STATE_START" // which version the child saves first
)

// stateCrashUsers is how many users the crash test's state holds: about
// 90 KB, many pages, so a torn file could not pass for a whole one.
const stateCrashUsers = 300

// applyStateVersion makes every user of s the given version (0 or 1). The
// two versions differ for every user, so each application changes the whole
// state and stamps every ChangedAt with the version's own time: the saved
// bytes of a version are always the same.
func applyStateVersion(s *Store, version int) {
	now := time.Date(2026, 11, 25, 9+version, 0, 0, 0, time.UTC)
	activity, action := "available", ActionUnchanged
	if version == 1 {
		activity, action = "meeting", ActionSet
	}
	for i := range stateCrashUsers {
		s.Update(strconv.Itoa(1000+i), now, func(u *UserState) {
			u.Applied = AppliedPresence{Activity: activity, Role: "office", Until: now.Add(time.Duration(i) * time.Minute), At: now}
			u.LastDesired = Desired{Activity: activity, Until: now.Add(time.Duration(i) * time.Minute)}
			u.LastAction = action
		})
	}
}

// saveStateVersion opens the store at path, makes it the given version and
// saves it.
func saveStateVersion(path string, version int) error {
	s, err := OpenStore(path, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	applyStateVersion(s, version)
	return s.Save()
}

// TestStateCrashSaveHelper is the child process of
// TestStateSaveSurvivesSIGKILL: it opens the store and saves the two
// versions alternately, forever (crashtest.Child). It does nothing in a
// normal test run.
func TestStateCrashSaveHelper(t *testing.T) {
	path := os.Getenv(stateCrashHelperEnv)
	if path == "" {
		t.Skip("the child process of TestStateSaveSurvivesSIGKILL")
	}
	var s *Store
	prepare := func(version int) error {
		if s == nil {
			var err error
			if s, err = OpenStore(path, nil); err != nil {
				return err
			}
		}
		applyStateVersion(s, version)
		return nil
	}
	crashtest.Child(stateCrashStartEnv, prepare, func(int) error { return s.Save() })
}

// stateVersionBytes is the file a Store saves for a version.
func stateVersionBytes(t *testing.T, version int) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.json")
	if err := saveStateVersion(path, version); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestStateSaveSurvivesSIGKILL kills a process that saves the engine state
// over and over with SIGKILL at random moments, hundreds of times
// (crashtest.Run). After every kill the file must be exactly the version on
// disk before the save in progress or the one being saved, never a mix;
// OpenStore must load it without setting it aside as unreadable (.bak); and
// the temporary files of killed saves must not pile up.
func TestStateSaveSurvivesSIGKILL(t *testing.T) {
	discard := slog.New(slog.DiscardHandler)
	report := crashtest.Run(t, crashtest.Options{
		Name:      "state",
		Path:      filepath.Join(t.TempDir(), "state.json"),
		Versions:  [2][]byte{stateVersionBytes(t, 0), stateVersionBytes(t, 1)},
		HelperRun: "^TestStateCrashSaveHelper$",
		PathEnv:   stateCrashHelperEnv,
		StartEnv:  stateCrashStartEnv,
		Save:      saveStateVersion,
		Load: func(path string, _ int) error {
			s, err := OpenStore(path, discard)
			if err != nil {
				return fmt.Errorf("OpenStore: %w", err)
			}
			if n := len(s.Snapshot().Users); n != stateCrashUsers {
				return fmt.Errorf("OpenStore loaded %d users, want %d", n, stateCrashUsers)
			}
			return nil
		},
		Kills: crashtest.Kills(t, crashtest.KillsEnv),
	})
	t.Log(report)
}
