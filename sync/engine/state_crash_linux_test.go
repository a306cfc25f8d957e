//go:build linux

package engine

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/atomicfile"
)

// The crash test re-runs this test binary as a child that saves the state in
// a loop until it is killed. These variables select that mode.
const (
	stateCrashHelperEnv = "CALSYNC_CRASH_STATE"       // the state path the child saves
	stateCrashStartEnv  = "CALSYNC_CRASH_STATE_START" // which version the child saves first
	// stateCrashKillsEnv overrides the number of kills (default 300; 60
	// under the race detector, 30 with -short), for a longer run:
	// CALSYNC_CRASH_KILLS=3000 go test -run SIGKILL ./sync/config ./sync/engine
	stateCrashKillsEnv = "CALSYNC_CRASH_KILLS"
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

// TestStateCrashSaveHelper is the child process of
// TestStateSaveSurvivesSIGKILL: it opens the store and saves the two
// versions alternately, forever, reporting on fd 3 "b N" before and "d N"
// after save N. It does nothing in a normal test run.
func TestStateCrashSaveHelper(t *testing.T) {
	path := os.Getenv(stateCrashHelperEnv)
	if path == "" {
		t.Skip("the child process of TestStateSaveSurvivesSIGKILL")
	}
	start, _ := strconv.Atoi(os.Getenv(stateCrashStartEnv))
	progress := os.NewFile(3, "progress")
	s, err := OpenStore(path, nil)
	if err != nil {
		fmt.Fprintf(progress, "e %v\n", err)
		os.Exit(1)
	}
	for i := 0; ; i++ {
		applyStateVersion(s, (start+i)%2)
		fmt.Fprintf(progress, "b %d\n", i)
		if err := s.Save(); err != nil {
			fmt.Fprintf(progress, "e %v\n", err)
			os.Exit(1)
		}
		fmt.Fprintf(progress, "d %d\n", i)
	}
}

// stateVersionBytes is the file a Store saves for a version.
func stateVersionBytes(t *testing.T, version int) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.json")
	s, err := OpenStore(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	applyStateVersion(s, version)
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestStateSaveSurvivesSIGKILL kills a process that saves the engine state
// over and over with SIGKILL at random moments, hundreds of times. After
// every kill the file must be exactly the version on disk before the save
// in progress or the one being saved, never a mix; OpenStore must load it
// without setting it aside as unreadable (.bak); and the temporary files of
// killed saves must not pile up.
func TestStateSaveSurvivesSIGKILL(t *testing.T) {
	if os.Getenv(stateCrashHelperEnv) != "" {
		t.Skip("inside the child")
	}
	kills := 300
	if s := os.Getenv(stateCrashKillsEnv); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number of kills", stateCrashKillsEnv, s)
		}
		kills = n
	} else if testing.Short() {
		kills = 30
	} else if stateCrashUnderRace {
		kills = 60
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	want := [2][]byte{stateVersionBytes(t, 0), stateVersionBytes(t, 1)}
	if bytes.Equal(want[0], want[1]) {
		t.Fatal("the two versions are the same")
	}
	if err := os.WriteFile(path, want[0], 0o600); err != nil {
		t.Fatal(err)
	}
	onDisk := 0
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 9))
	t.Logf("seed %d, %d kills", seed, kills)
	discard := slog.New(slog.DiscardHandler)

	var midSave, midOld, midNew, between, littered, maxLitter, maxSaves int
	window := 20 * time.Millisecond
	if stateCrashUnderRace {
		window = 150 * time.Millisecond // saves are that much slower
	}
	began := time.Now()
	for k := range kills {
		start := 1 - onDisk // the child's first save changes the file
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestStateCrashSaveHelper$", "-test.count=1")
		cmd.Env = append(os.Environ(), stateCrashHelperEnv+"="+path, stateCrashStartEnv+"="+strconv.Itoa(start))
		cmd.ExtraFiles = []*os.File{w}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		w.Close()
		br := bufio.NewReader(r)
		first, err := br.ReadString('\n') // the child is saving
		if err != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("kill %d: the child never started saving: %v (%q)", k, err, first)
		}
		// Up to a few saves' time, so kills land in every phase of a
		// save, the first ones included.
		time.Sleep(time.Duration(rng.Int64N(int64(window))))
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		rest, _ := io.ReadAll(br)
		r.Close()
		werr := cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(werr, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("kill %d: the child ended by %v, not by SIGKILL:\n%s%s", k, werr, first, rest)
		}
		begun, done := -1, -1
		for line := range strings.Lines(first + string(rest)) {
			kind, num, _ := strings.Cut(strings.TrimSpace(line), " ")
			if kind == "e" {
				t.Fatalf("kill %d: the child's save failed: %s", k, num)
			}
			n, err := strconv.Atoi(num)
			if err != nil {
				continue // the last line may be cut short by the kill
			}
			switch kind {
			case "b":
				begun = n
			case "d":
				done = n
			}
		}
		maxSaves = max(maxSaves, done+1)

		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("kill %d: %v", k, err)
		}
		got := slices.IndexFunc(want[:], func(b []byte) bool { return bytes.Equal(b, data) })
		if got < 0 {
			t.Fatalf("kill %d: the file is neither version (%d bytes):\n%.300s", k, len(data), data)
		}
		s, err := OpenStore(path, discard)
		if err != nil {
			t.Fatalf("kill %d: OpenStore: %v", k, err)
		}
		if n := len(s.Snapshot().Users); n != stateCrashUsers {
			t.Fatalf("kill %d: OpenStore loaded %d users, want %d", k, n, stateCrashUsers)
		}

		old := onDisk
		if done >= 0 {
			old = (start + done) % 2
		}
		if begun > done {
			midSave++
			if got == old {
				midOld++
			} else {
				midNew++
			}
		} else {
			between++
			if got != old {
				t.Fatalf("kill %d between saves: the file holds version %d, want the last saved, %d", k, got, old)
			}
		}
		onDisk = got

		litter := 0
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, de := range entries {
			switch name := de.Name(); {
			case name == "state.json":
			case atomicfile.IsTemp(name, "state.json"):
				litter++
			default:
				t.Fatalf("kill %d: unexpected file %s (a .bak means OpenStore found the file unreadable)", k, name)
			}
		}
		if litter > 2 {
			t.Fatalf("kill %d: %d temporary files left: they pile up", k, litter)
		}
		maxLitter = max(maxLitter, litter)
		if litter > 0 {
			littered++
		}
	}
	s, err := OpenStore(path, discard)
	if err != nil {
		t.Fatal(err)
	}
	applyStateVersion(s, 1-onDisk)
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 1 {
		t.Errorf("after a clean save the directory holds %v (%v), want only state.json", entries, err)
	}
	t.Logf("state crash safety: %d SIGKILLs in %s, %d loads OK; %d mid-save (%d old, %d new), %d between saves; "+
		"0 torn, 0 .bak; %d kills found a temporary file left (at most %d), each removed by the next save; up to %d saves per child",
		kills, time.Since(began).Round(time.Millisecond), kills, midSave, midOld, midNew, between, littered, maxLitter, maxSaves)
}
