//go:build linux

package config

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/atomicfile"
)

// The crash test re-runs this test binary as a child that saves the config
// in a loop until it is killed. These variables select that mode.
const (
	crashHelperEnv = "CALSYNC_CRASH_CONFIG" // the config path the child saves
	crashStartEnv  = "CALSYNC_CRASH_START"  // which version the child saves first
	// crashKillsEnv overrides the number of kills (default 300; 60 under
	// the race detector, 30 with -short), for a longer run:
	// CALSYNC_CRASH_KILLS=3000 go test -run SIGKILL ./sync/config ./sync/engine
	crashKillsEnv = "CALSYNC_CRASH_KILLS"
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
// saves the two versions alternately, forever, reporting on fd 3 "b N"
// before and "d N" after save N. It does nothing in a normal test run.
func TestCrashSaveHelper(t *testing.T) {
	path := os.Getenv(crashHelperEnv)
	if path == "" {
		t.Skip("the child process of TestSaveSurvivesSIGKILL")
	}
	start, _ := strconv.Atoi(os.Getenv(crashStartEnv))
	progress := os.NewFile(3, "progress")
	versions := crashVersions()
	for i := 0; ; i++ {
		fmt.Fprintf(progress, "b %d\n", i)
		if err := Save(path, versions[(start+i)%2]); err != nil {
			fmt.Fprintf(progress, "e %v\n", strings.ReplaceAll(err.Error(), "\n", " "))
			os.Exit(1)
		}
		fmt.Fprintf(progress, "d %d\n", i)
	}
}

// crashKills is how many times the crash tests kill their child.
func crashKills(t *testing.T) int {
	if s := os.Getenv(crashKillsEnv); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number of kills", crashKillsEnv, s)
		}
		return n
	}
	switch {
	case testing.Short():
		return 30
	case crashUnderRace:
		return 60
	}
	return 300
}

// childProgress is what the child reported before it died: the last save it
// began and the last it finished (-1: none).
type childProgress struct{ begun, done int }

func parseProgress(t *testing.T, out string) childProgress {
	t.Helper()
	p := childProgress{begun: -1, done: -1}
	for line := range strings.Lines(out) {
		kind, num, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch kind {
		case "b", "d":
			n, err := strconv.Atoi(num)
			if err != nil {
				continue // the last line may be cut short by the kill
			}
			if kind == "b" {
				p.begun = n
			} else {
				p.done = n
			}
		case "e":
			t.Fatalf("the child's save failed: %s", num)
		}
	}
	return p
}

// TestSaveSurvivesSIGKILL kills a process that saves the config over and
// over with SIGKILL at random moments, hundreds of times. After every kill
// the file must load and be exactly the version on disk before the save in
// progress or the one being saved, never a mix; no .bak (which Save makes
// of a file it cannot read) may appear; and the temporary files of killed
// saves must not pile up: each save removes those of earlier killed ones.
func TestSaveSurvivesSIGKILL(t *testing.T) {
	if os.Getenv(crashHelperEnv) != "" {
		t.Skip("inside the child")
	}
	kills := crashKills(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	versions := crashVersions()
	var want [2][]byte
	for i, v := range versions {
		b, err := Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = b
	}
	if err := Save(path, versions[0]); err != nil {
		t.Fatal(err)
	}
	onDisk := 0
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 8))
	t.Logf("seed %d, %d kills", seed, kills)

	var midSave, midOld, midNew, between, littered, maxLitter, maxSaves int
	window := 20 * time.Millisecond
	if crashUnderRace {
		window = 150 * time.Millisecond // saves are that much slower
	}
	began := time.Now()
	for k := range kills {
		start := 1 - onDisk // the child's first save changes the file
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashSaveHelper$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashHelperEnv+"="+path, crashStartEnv+"="+strconv.Itoa(start))
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
		p := parseProgress(t, first+string(rest))
		maxSaves = max(maxSaves, p.done+1)

		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("kill %d: %v", k, err)
		}
		got := -1
		for i := range want {
			if bytes.Equal(data, want[i]) {
				got = i
			}
		}
		if got < 0 {
			t.Fatalf("kill %d: the file is neither version (%d bytes):\n%.300s", k, len(data), data)
		}
		loaded, err := Load(path)
		if err != nil {
			t.Fatalf("kill %d: Load: %v", k, err)
		}
		if !reflect.DeepEqual(loaded, versions[got]) {
			t.Fatalf("kill %d: Load gives %+v, want version %d", k, loaded, got)
		}

		// old is what the file held before the save in progress; new is
		// what that save writes.
		old := onDisk
		if p.done >= 0 {
			old = (start + p.done) % 2
		}
		if p.begun > p.done {
			midSave++
			if got == old {
				midOld++
			} else {
				midNew++ // == (start+p.begun)%2: the two alternate
			}
		} else {
			between++
			if got != old {
				t.Fatalf("kill %d between saves: the file holds version %d, want the last saved, %d", k, got, old)
			}
		}
		onDisk = got

		litter := 0
		for _, name := range dirNames(t, dir) {
			switch {
			case name == "config.json":
			case atomicfile.IsTemp(name, "config.json"):
				litter++
			default:
				t.Fatalf("kill %d: unexpected file %s (a .bak means a save found the file unreadable)", k, name)
			}
		}
		// At most the temporary file of this child's save, and the one of
		// the previous child if this one died before its first save.
		if litter > 2 {
			t.Fatalf("kill %d: %d temporary files left: they pile up", k, litter)
		}
		maxLitter = max(maxLitter, litter)
		if litter > 0 {
			littered++
		}
	}
	if err := Save(path, versions[0]); err != nil {
		t.Fatal(err)
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Errorf("after a clean save the directory holds %v, want only config.json", names)
	}
	t.Logf("config crash safety: %d SIGKILLs in %s, %d loads OK; %d mid-save (%d old, %d new), %d between saves; "+
		"0 torn, 0 .bak; %d kills found a temporary file left (at most %d), each removed by the next save; up to %d saves per child",
		kills, time.Since(began).Round(time.Millisecond), kills, midSave, midOld, midNew, between, littered, maxLitter, maxSaves)
}
