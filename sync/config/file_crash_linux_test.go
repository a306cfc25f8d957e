//go:build linux

package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"github.com/calsync/calsync/sync/internal/crashtest"
)

// The crash test re-runs this test binary as a child that saves the config
// in a loop until it is killed. These variables select that mode.
const (
	crashHelperEnv = "CALSYNC_CRASH_CONFIG" // the config path the child saves
	crashStartEnv  = "CALSYNC_CRASH_START"  // which version the child saves first
)

// crashVersions are two valid configs of different sizes (the second spans
// many pages), so a torn file could not pass for either.
func crashVersions() [2]*Config {
	small := validConfig()
	big := validConfig()
	big.Connector.Name = "Contoso M365 (after the edit)"
	big.Sync.Interval = "2m"
	for i := range 600 {
		big.Users = append(big.Users, User{OneCloudUser: strconv.Itoa(2000 + i), Mailbox: fmt.Sprintf("user%d@contoso.it", i), Enabled: i%3 != 0})
	}
	return [2]*Config{small, big}
}

// TestCrashSaveHelper is the child process of TestSaveSurvivesSIGKILL: it
// saves the two versions alternately, forever (crashtest.Child). It does
// nothing in a normal test run.
func TestCrashSaveHelper(t *testing.T) {
	path := os.Getenv(crashHelperEnv)
	if path == "" {
		t.Skip("the child process of TestSaveSurvivesSIGKILL")
	}
	versions := crashVersions()
	crashtest.Child(crashStartEnv, nil, func(version int) error { return Save(path, versions[version]) })
}

// TestSaveSurvivesSIGKILL kills a process that saves the config over and
// over with SIGKILL at random moments, hundreds of times (crashtest.Run).
// After every kill the file must load and be exactly the version on disk
// before the save in progress or the one being saved, never a mix; no .bak
// (which Save makes of a file it cannot read) may appear; and the temporary
// files of killed saves must not pile up: each save removes those of earlier
// killed ones.
func TestSaveSurvivesSIGKILL(t *testing.T) {
	versions := crashVersions()
	var want [2][]byte
	for i, v := range versions {
		b, err := Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = b
	}
	report := crashtest.Run(t, crashtest.Options{
		Name:      "config",
		Path:      filepath.Join(t.TempDir(), "config.json"),
		Versions:  want,
		HelperRun: "^TestCrashSaveHelper$",
		PathEnv:   crashHelperEnv,
		StartEnv:  crashStartEnv,
		Save:      func(path string, version int) error { return Save(path, versions[version]) },
		Load: func(path string, version int) error {
			loaded, err := Load(path)
			if err != nil {
				return fmt.Errorf("Load: %w", err)
			}
			if !reflect.DeepEqual(loaded, versions[version]) {
				return fmt.Errorf("Load gives %+v, want version %d", loaded, version)
			}
			return nil
		},
		Kills: crashtest.Kills(t, crashtest.KillsEnv),
	})
	t.Log(report)
}
