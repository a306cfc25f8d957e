//go:build linux

package crashtest

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
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/atomicfile"
)

// Child is the body of the helper test that Run starts as its child: it
// saves the two versions alternately, forever, starting with the one in the
// environment variable startEnv, and reports on fd 3 "b N" before and "d N"
// after save N, or "e message" when a save fails (and exits). prepare, if not
// nil, runs before "b N": work that is not part of the save, such as
// building the version in memory. Child never returns.
func Child(startEnv string, prepare, save func(version int) error) {
	start, _ := strconv.Atoi(os.Getenv(startEnv))
	progress := os.NewFile(3, "progress")
	fail := func(err error) {
		fmt.Fprintf(progress, "e %v\n", strings.ReplaceAll(err.Error(), "\n", " "))
		os.Exit(1)
	}
	for i := 0; ; i++ {
		version := (start + i) % 2
		if prepare != nil {
			if err := prepare(version); err != nil {
				fail(err)
			}
		}
		fmt.Fprintf(progress, "b %d\n", i)
		if err := save(version); err != nil {
			fail(err)
		}
		fmt.Fprintf(progress, "d %d\n", i)
	}
}

// Run kills a child (see Child) that saves o.Path over and over with
// SIGKILL at random moments, o.Kills times. After every kill the file must
// be byte-for-byte one of o.Versions and pass o.Load; killed between two
// saves, it must be the last one saved; no other file (a .bak means the
// file was found unreadable) may appear beside it but at most two temporary
// files of killed saves (this child's, and the previous child's if this one
// died before its first save), and a clean save at the end must leave only
// the file. Any failure ends the test.
func Run(t *testing.T, o Options) Report {
	t.Helper()
	if os.Getenv(o.PathEnv) != "" {
		t.Skip("inside the child")
	}
	if o.Save == nil || o.Load == nil || o.HelperRun == "" || o.PathEnv == "" || o.StartEnv == "" || o.Kills < 1 {
		t.Fatalf("crashtest: incomplete options %+v", o)
	}
	if bytes.Equal(o.Versions[0], o.Versions[1]) {
		t.Fatal("crashtest: the two versions are the same")
	}
	window := o.Window
	if window <= 0 {
		window = defaultWindow()
	}
	dir, base := filepath.Split(o.Path)
	if err := o.Save(o.Path, 0); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(o.Path); err != nil || !bytes.Equal(data, o.Versions[0]) {
		t.Fatalf("crashtest: saving version 0 did not write Versions[0] (%v)", err)
	}
	onDisk := 0
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 8))
	t.Logf("seed %d, %d kills", seed, o.Kills)

	r := Report{Name: o.Name, Kills: o.Kills}
	began := time.Now()
	for k := range o.Kills {
		start := 1 - onDisk // the child's first save changes the file
		p := killChild(t, k, o, start, rng.Int64N(int64(window)))
		r.MaxSaves = max(r.MaxSaves, p.done+1)

		data, err := os.ReadFile(o.Path)
		if err != nil {
			t.Fatalf("kill %d: %v", k, err)
		}
		got := slices.IndexFunc(o.Versions[:], func(b []byte) bool { return bytes.Equal(b, data) })
		if got < 0 {
			t.Fatalf("kill %d: the file is neither version (%d bytes):\n%.300s", k, len(data), data)
		}
		if err := o.Load(o.Path, got); err != nil {
			t.Fatalf("kill %d: %v", k, err)
		}

		// old is what the file held before the save in progress; new is
		// what that save writes.
		old := onDisk
		if p.done >= 0 {
			old = (start + p.done) % 2
		}
		if p.begun > p.done {
			r.MidSave++
			if got == old {
				r.MidOld++
			} else {
				r.MidNew++ // == (start+p.begun)%2: the two alternate
			}
		} else {
			r.Between++
			if got != old {
				t.Fatalf("kill %d between saves: the file holds version %d, want the last saved, %d", k, got, old)
			}
		}
		onDisk = got

		litter := 0
		for _, name := range dirNames(t, dir) {
			switch {
			case name == base:
			case atomicfile.IsTemp(name, base):
				litter++
			default:
				t.Fatalf("kill %d: unexpected file %s (a .bak means the file was found unreadable)", k, name)
			}
		}
		// At most the temporary file of this child's save, and the one of
		// the previous child if this one died before its first save.
		if litter > 2 {
			t.Fatalf("kill %d: %d temporary files left: they pile up", k, litter)
		}
		r.MaxLitter = max(r.MaxLitter, litter)
		if litter > 0 {
			r.Littered++
		}
	}
	if err := o.Save(o.Path, 1-onDisk); err != nil {
		t.Fatal(err)
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Errorf("after a clean save the directory holds %v, want only %s", names, base)
	}
	r.Elapsed = time.Since(began)
	return r
}

// childProgress is what the child reported before it died: the last save it
// began and the last it finished (-1: none).
type childProgress struct{ begun, done int }

// killChild starts a child that saves version start first, kills it with
// SIGKILL wait nanoseconds after it starts saving, and returns what it
// reported.
func killChild(t *testing.T, k int, o Options, start int, wait int64) childProgress {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run="+o.HelperRun, "-test.count=1")
	cmd.Env = append(os.Environ(), o.PathEnv+"="+o.Path, o.StartEnv+"="+strconv.Itoa(start))
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
	time.Sleep(time.Duration(wait))
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
	p := childProgress{begun: -1, done: -1}
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
			p.begun = n
		case "d":
			p.done = n
		}
	}
	return p
}

// dirNames lists the names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return names
}
