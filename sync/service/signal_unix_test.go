//go:build unix

package service

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// The child process of TestRunSIGTERM: it runs Run in the mode named by
// CALSYNC_SERVICE_CHILD with a body that reports start, and on cancellation
// writes the state file named by CALSYNC_SERVICE_STATE before returning.
func TestMain(m *testing.M) {
	if mode := os.Getenv("CALSYNC_SERVICE_CHILD"); mode != "" {
		os.Exit(signalChild(mode, os.Getenv("CALSYNC_SERVICE_STATE")))
	}
	os.Exit(m.Run())
}

func signalChild(mode, statePath string) int {
	run := runForeground
	if mode == "managed" {
		run = runManaged
	}
	dir := filepath.Dir(statePath)
	p := Params{GOOS: runtime.GOOS, Executable: filepath.Join(dir, "calsync"), ConfigPath: filepath.Join(dir, "config.json")}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	err := run(context.Background(), p, log, func(ctx context.Context, _ *slog.Logger) error {
		fmt.Println("started")
		<-ctx.Done()
		if err := os.WriteFile(statePath, []byte("saved"), 0o600); err != nil {
			return err
		}
		fmt.Println("saved")
		return ctx.Err()
	})
	fmt.Printf("returned %v\n", err)
	return 0
}

// TestRunSIGTERM sends SIGTERM to a process running Run, as systemd and
// launchd do to stop a service and as `kill` does to `calsync service run`,
// and checks that the body saved its state before Run returned.
func TestRunSIGTERM(t *testing.T) {
	for _, mode := range []string{"foreground", "managed"} {
		t.Run(mode, func(t *testing.T) {
			statePath := filepath.Join(t.TempDir(), "state.json")
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "CALSYNC_SERVICE_CHILD="+mode, "CALSYNC_SERVICE_STATE="+statePath)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := bufio.NewScanner(stdout)
			if !lines.Scan() || lines.Text() != "started" {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("child did not start: %q\n%s", lines.Text(), stderr.String())
			}
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			var rest []string
			for lines.Scan() {
				rest = append(rest, lines.Text())
			}
			if err := cmd.Wait(); err != nil {
				t.Fatalf("child exited with %v\n%s", err, stderr.String())
			}
			if want := []string{"saved", "returned <nil>"}; strings.Join(rest, "|") != strings.Join(want, "|") {
				t.Errorf("child printed %q after start, want %q\n%s", rest, want, stderr.String())
			}
			if b, err := os.ReadFile(statePath); err != nil || string(b) != "saved" {
				t.Errorf("state file %q, %v", b, err)
			}
			for _, want := range []string{"service started", "service stopping", "service stopped"} {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("child log lacks %q:\n%s", want, stderr.String())
				}
			}
		})
	}
}
