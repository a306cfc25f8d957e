package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// TestSilentStderrUnderEveryLocale builds the real binary and runs windowless commands the way a
// fresh Debian or Ubuntu container runs them: no display, no session bus, only HOME, PATH and the
// locale. Fyne's packages initialise in every run (they are linked in), and their locale reader
// used to print "Fyne error: Error parsing user locale C" for C.UTF-8; a successful command must
// leave stderr empty under each locale an admin's machine may have.
func TestSilentStderrUnderEveryLocale(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "calsync")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	locales := []struct {
		name string
		env  []string // locale variables only; nil is "unset"
	}{
		{"C.UTF-8", []string{"LANG=C.UTF-8"}},
		{"C", []string{"LANG=C"}},
		{"POSIX", []string{"LANG=POSIX"}},
		{"unset", nil},
		{"LC_ALL=C.UTF-8", []string{"LC_ALL=C.UTF-8", "LANG=it_IT.UTF-8"}},
		{"en_US.UTF-8", []string{"LANG=en_US.UTF-8"}},
		{"it_IT.UTF-8", []string{"LANG=it_IT.UTF-8"}},
	}
	commands := [][]string{{"--help"}, {"version"}, {"sync", "--help"}}
	home := t.TempDir()
	for _, l := range locales {
		for _, args := range commands {
			t.Run(l.name+"/"+filepath.Join(args...), func(t *testing.T) {
				cmd := exec.Command(bin, args...)
				cmd.Env = append([]string{"HOME=" + home, "PATH=" + os.Getenv("PATH")}, l.env...)
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				err := cmd.Run()
				var exit *exec.ExitError
				if errors.As(err, &exit) {
					t.Errorf("exit %d, want 0", exit.ExitCode())
				} else if err != nil {
					t.Fatal(err)
				}
				if stderr.Len() != 0 {
					t.Errorf("stderr is not empty:\n%s", stderr.String())
				}
				if stdout.Len() == 0 {
					t.Error("stdout is empty")
				}
			})
		}
	}
}
