package main

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/emulator"
)

// daemonNames are the processes a keychain lookup used to leave behind on
// a machine without a session bus: godbus autolaunches dbus-launch, which
// starts a dbus-daemon, which as root activates gnome-keyring-daemon
// (/proc/PID/comm keeps 15 bytes of a name).
var daemonNames = []string{"dbus-daemon", "dbus-launch", "gnome-keyring-d"}

// TestHeadlessNoSessionBus runs the real binary the way cron, SSH or a
// container run it: no DBUS_SESSION_BUS_ADDRESS, no DISPLAY. Every command
// that touches secrets must leave no D-Bus or keyring daemon behind, finish
// in seconds with the secrets in the environment, and, without them, say
// that the keychain is not available here and name both remedies.
func TestHeadlessNoSessionBus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	runtimeDir := fmt.Sprintf("/run/user/%d", os.Getuid())
	for _, f := range []string{"bus", "dbus-session"} {
		if _, err := os.Stat(filepath.Join(runtimeDir, f)); err == nil {
			t.Skipf("%s/%s exists: a session bus is found without DBUS_SESSION_BUS_ADDRESS here; this test needs a machine without one", runtimeDir, f)
		}
	}
	bin := filepath.Join(t.TempDir(), "calsync")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	o := newOffice(t)
	meeting := o.event(calendar.Busy, time.Hour)
	meeting.Subject = "Weekly" // visible, so check finds the Reviewer rights
	o.addUser("1001", "anna@contoso.it", []calendar.Event{meeting}, false)
	o.save()

	// The marker is in the environment of everything the command starts,
	// daemons included, so what it leaves is told apart from the rest.
	marker := "CALSYNC_HEADLESS_TEST=" + rand.Text()
	base := []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8", "CALSYNC_CONFIG=" + o.path, marker}
	withSecrets := append(slices.Clone(base),
		"CALSYNC_GRAPH_SECRET="+emulator.GraphDefaultClientSecret, "CALSYNC_ONECLOUD_TOKEN="+ocToken)

	t.Run("the leak check sees a daemon", func(t *testing.T) {
		if _, err := exec.LookPath("dbus-daemon"); err != nil {
			t.Skip("dbus-daemon is not installed")
		}
		// A daemon of our own, as autolaunch would start, but a child of
		// this test so that it is stopped and reaped here.
		control := marker + "-control" // not the marker the commands below are checked with
		// Its socket goes in this test's directory, not /tmp, so even a daemon
		// that had to be killed leaves nothing behind.
		cmd := exec.Command("dbus-daemon", "--session", "--nofork", "--print-address",
			"--address=unix:path="+filepath.Join(t.TempDir(), "bus"))
		cmd.Env = append(slices.Clone(base), control)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatalf("dbus-daemon: %v", err)
		}
		defer func() {
			// SIGTERM: dbus-daemon then removes its socket itself.
			_ = cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { _ = cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-done
			}
		}()
		if _, err := out.Read(make([]byte, 256)); err != nil { // its address: it is up
			t.Fatalf("dbus-daemon printed no address: %v", err)
		}
		if got := markedDaemons(control); !slices.Equal(got, []int{cmd.Process.Pid}) {
			t.Fatalf("found %v; want the dbus-daemon started here, pid %d", got, cmd.Process.Pid)
		}
	})

	tests := []struct {
		name     string
		env      []string
		stdin    string
		args     []string
		code     int
		within   time.Duration
		stdout   []string // each must appear
		stderr   []string
		notInAny []string
	}{
		{
			name: "secret status from the environment", env: withSecrets, args: []string{"secret", "status"},
			within:   5 * time.Second,
			stdout:   []string{"from the environment (CALSYNC_GRAPH_SECRET)", "from the environment (CALSYNC_ONECLOUD_TOKEN)"},
			notInAny: []string{"missing", "keychain is not available", emulator.GraphDefaultClientSecret, ocToken},
		},
		{
			name: "sync --once from the environment", env: withSecrets, args: []string{"sync", "--once"},
			within:   15 * time.Second,
			stdout:   []string{"anna@contoso.it", "1 user: 1 set"},
			notInAny: []string{"keychain", emulator.GraphDefaultClientSecret, ocToken},
		},
		{
			name: "check from the environment", env: withSecrets, args: []string{"check"},
			within:   15 * time.Second,
			stdout:   []string{"✓ Client secret is present: from the environment (CALSYNC_GRAPH_SECRET)", "✓ OneCloud is reachable and accepts the token"},
			notInAny: []string{emulator.GraphDefaultClientSecret, ocToken},
		},
		{
			name: "secret status without a keychain", env: base, args: []string{"secret", "status"},
			within: 5 * time.Second,
			stdout: []string{"the system keychain is not available here: no D-Bus session bus", "calsync secret set graph|onecloud",
				"CALSYNC_GRAPH_SECRET, CALSYNC_ONECLOUD_TOKEN"},
			notInAny: []string{"org/freedesktop", "failed to unlock"},
		},
		{
			name: "sync --once without a keychain", env: base, args: []string{"sync", "--once"},
			code: exitUsage, within: 5 * time.Second,
			stderr:   []string{"the system keychain is not available here: no D-Bus session bus", "`calsync secret set graph`", "CALSYNC_GRAPH_SECRET"},
			notInAny: []string{"org/freedesktop", "failed to unlock", "context canceled"},
		},
		{
			name: "secret set without a keychain", env: base, stdin: "some-value\n", args: []string{"secret", "set", "graph", "--config", o.path},
			code: exitFailure, within: 5 * time.Second,
			stderr:   []string{"the system keychain is not available here: no D-Bus session bus", "`calsync secret set graph`", "CALSYNC_GRAPH_SECRET"},
			notInAny: []string{"org/freedesktop", "some-value"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := daemonPIDs()
			cmd := exec.Command(bin, tt.args...)
			cmd.Env = tt.env
			cmd.Stdin = strings.NewReader(tt.stdin)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			cmd.WaitDelay = time.Second
			start := time.Now()
			done := make(chan error, 1)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			go func() { done <- cmd.Wait() }()
			var err error
			select {
			case err = <-done:
			case <-time.After(2 * time.Minute):
				_ = cmd.Process.Kill()
				<-done
				t.Fatalf("calsync %s still running after 2 minutes", strings.Join(tt.args, " "))
			}
			took := time.Since(start)
			code := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			t.Logf("calsync %s: exit %d in %s", strings.Join(tt.args, " "), code, took.Round(time.Millisecond))
			report := fmt.Sprintf("--- stdout\n%s--- stderr\n%s", stdout.String(), stderr.String())
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s", code, tt.code, report)
			}
			if took > tt.within {
				t.Errorf("took %s, want at most %s", took, tt.within)
			}
			for _, w := range tt.stdout {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout lacks %q\n%s", w, report)
				}
			}
			for _, w := range tt.stderr {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q\n%s", w, report)
				}
			}
			for _, w := range tt.notInAny {
				if strings.Contains(stdout.String()+stderr.String(), w) {
					t.Errorf("output holds %q\n%s", w, report)
				}
			}

			after := daemonPIDs()
			if leaked := markedDaemons(marker); len(leaked) > 0 {
				t.Errorf("left running: %v (%d D-Bus/keyring daemons before, %d after)", leaked, len(before), len(after))
			}
			if len(after) != len(before) {
				// Only the marked ones are this command's; others come and go
				// with other tests.
				t.Logf("D-Bus/keyring daemons: %d before, %d after (none started by this command)", len(before), len(after))
			}
		})
	}
}

// daemonPIDs lists the running processes named in daemonNames.
func daemonPIDs() []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		if err == nil && slices.Contains(daemonNames, strings.TrimSpace(string(comm))) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// markedDaemons lists the daemons whose environment holds marker.
func markedDaemons(marker string) []int {
	var pids []int
	for _, pid := range daemonPIDs() {
		env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if err == nil && slices.Contains(strings.Split(string(env), "\x00"), marker) {
			pids = append(pids, pid)
		}
	}
	return pids
}
