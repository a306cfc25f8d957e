//go:build linux

package service

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	kservice "github.com/kardianos/service"

	"github.com/calsync/calsync/sync/service/action"
)

// fakeSystemctl stands in for systemd's systemctl: it records every call in
// $FAKE_STATE/calls and keeps the unit's activity in $FAKE_STATE/active.
// kardianos runs it through PATH exactly as it would run the real one, and
// writes the unit file itself, so what the test sees is what kardianos renders
// and runs. $FAKE_STATE/nobus plays a missing user session, $FAKE_STATE/nostart
// a unit that exits as soon as it starts.
const fakeSystemctl = `#!/bin/sh
echo "$*" >> "$FAKE_STATE/calls"
unit="$HOME/.config/systemd/user/calsync.service"
case "$1" in
--user)
	if [ -e "$FAKE_STATE/nobus" ]; then
		echo "Failed to connect to bus: No medium found" >&2
		exit 1
	fi
	exit 0 ;;
is-active)
	state=inactive
	[ -e "$FAKE_STATE/active" ] && state=$(cat "$FAKE_STATE/active")
	echo "$state"
	[ "$state" = active ] && exit 0
	exit 3 ;;
list-unit-files)
	if [ -e "$unit" ]; then
		echo "UNIT FILE STATE PRESET"
		echo "calsync.service enabled enabled"
		exit 0
	fi
	echo "0 unit files listed."
	exit 1 ;;
start) [ -e "$FAKE_STATE/nostart" ] || echo active > "$FAKE_STATE/active" ;;
stop) echo inactive > "$FAKE_STATE/active" ;;
--version) echo "systemd 255 (255.4-1)" ;;
esac
exit 0
`

type fakeSystemd struct {
	home, state string
}

func (f fakeSystemd) unitPath() string {
	return filepath.Join(f.home, ".config", "systemd", "user", "calsync.service")
}

func (f fakeSystemd) calls(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(f.state, "calls"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func (f fakeSystemd) resetCalls(t *testing.T) {
	t.Helper()
	os.Remove(filepath.Join(f.state, "calls"))
}

func (f fakeSystemd) set(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(f.state, name), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// useFakeSystemd puts fakeSystemctl (and an rpm-ostree marker, which makes
// kardianos detect systemd without /run/systemd) first on PATH, points HOME at
// a temporary directory and makes kardianos choose its systemd backend again.
func useFakeSystemd(t *testing.T) fakeSystemd {
	t.Helper()
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh for the fake systemctl")
	}
	// Registered before t.Setenv so it runs after the environment is back:
	// kardianos then detects the real system again.
	t.Cleanup(func() { kservice.ChooseSystem(kservice.AvailableSystems()...) })
	f := fakeSystemd{home: t.TempDir(), state: t.TempDir()}
	bin := t.TempDir()
	for name, script := range map[string]string{"systemctl": fakeSystemctl, "rpm-ostree": "#!/bin/sh\nexit 0\n"} {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("HOME", f.home)
	t.Setenv("FAKE_STATE", f.state)
	kservice.ChooseSystem(kservice.AvailableSystems()...)
	if got := kservice.ChosenSystem().String(); got != "linux-systemd" {
		t.Fatalf("kardianos chose %q with the fake systemctl, want linux-systemd", got)
	}
	return f
}

func testController(t *testing.T, f fakeSystemd, mutate func(*host)) (*controller, *bytes.Buffer) {
	t.Helper()
	h := host{
		euid: 1000, username: "alice", home: f.home, lingerDir: filepath.Join(f.state, "linger"),
		userManager: systemdUserManager, afterInstall: func() []error { return nil },
	}
	if mutate != nil {
		mutate(&h)
	}
	var logs bytes.Buffer
	c, err := newController(linuxParams, h, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return c, &logs
}

// TestSystemdUnitGolden installs through Control with the fake systemctl and
// compares the unit file kardianos wrote, rendered by kardianos's own engine
// from our template, with testdata/calsync.service.golden.
func TestSystemdUnitGolden(t *testing.T) {
	f := useFakeSystemd(t)
	c, _ := testController(t, f, nil)
	msg, err := c.control(context.Background(), action.Install)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(msg, "installed as a systemd user service") || !strings.Contains(msg, "calsync service start") {
		t.Errorf("install message %q", msg)
	}
	b, err := os.ReadFile(f.unitPath())
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, filepath.Join("testdata", "calsync.service.golden"), string(b))
	calls := strings.Join(f.calls(t), "\n")
	for _, want := range []string{"enable --user calsync.service", "daemon-reload --user"} {
		if !strings.Contains(calls, want) {
			t.Errorf("systemctl was not called with %q; calls:\n%s", want, calls)
		}
	}
}

// TestInstallOptionalSettingsRefused: optional settings the service manager
// refuses (Wine's "Invalid level" for the delayed start) leave an installed
// service and one logged warning each, never a failed install.
func TestInstallOptionalSettingsRefused(t *testing.T) {
	for _, tc := range []struct {
		name    string
		refused []error
	}{
		{"none refused", nil},
		{"delayed start refused", []error{errors.New("delayed automatic start of service calsync: Invalid level.")}},
		{"all refused", []error{errors.New("delayed automatic start: Invalid level."), errors.New("restart after a failure: Access is denied.")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := useFakeSystemd(t)
			c, logs := testController(t, f, func(h *host) { h.afterInstall = func() []error { return tc.refused } })
			msg, err := c.control(context.Background(), action.Install)
			if err != nil {
				t.Fatalf("install failed: %v", err)
			}
			if !strings.HasPrefix(msg, "installed as") {
				t.Errorf("install message %q", msg)
			}
			if st, err := c.status(context.Background()); err != nil || st != StateStopped {
				t.Errorf("after install: state %v, %v; want stopped", st, err)
			}
			if got := strings.Count(logs.String(), "level=WARN msg=\"service installed without an optional setting the system refused\""); got != len(tc.refused) {
				t.Errorf("%d warnings, want %d:\n%s", got, len(tc.refused), logs)
			}
			for _, err := range tc.refused {
				if !strings.Contains(logs.String(), err.Error()) {
					t.Errorf("the warning does not name %q:\n%s", err, logs)
				}
			}
		})
	}
}

// TestControlLifecycle walks install, start, stop and uninstall through the
// fake systemctl, including the repeated requests that are not errors.
func TestControlLifecycle(t *testing.T) {
	f := useFakeSystemd(t)
	c, logs := testController(t, f, nil)
	ctx := context.Background()
	steps := []struct {
		action    string
		want      string // prefix of the message
		wantState State
	}{
		{action.Status, "not installed", StateNotInstalled},
		{action.Uninstall, "not installed", StateNotInstalled},
		{action.Install, "installed as a systemd user service", StateStopped},
		{action.Install, "already installed (stopped)", StateStopped},
		{action.Status, "stopped", StateStopped},
		{action.Start, "running", StateRunning},
		{action.Start, "already running", StateRunning},
		{action.Status, "running", StateRunning},
		{action.Stop, "stopped", StateStopped},
		{action.Stop, "already stopped", StateStopped},
		{action.Start, "running", StateRunning},
		{action.Uninstall, "uninstalled; the configuration, secrets and logs in /home/alice/.config/calsync were kept", StateNotInstalled},
	}
	for _, s := range steps {
		msg, err := c.control(ctx, s.action)
		if err != nil {
			t.Fatalf("%s: %v", s.action, err)
		}
		if !strings.HasPrefix(msg, s.want) {
			t.Errorf("%s: message %q, want it to start with %q", s.action, msg, s.want)
		}
		if st, err := c.status(ctx); err != nil || st != s.wantState {
			t.Errorf("after %s: state %v, %v; want %v", s.action, st, err, s.wantState)
		}
	}
	if _, err := os.Stat(f.unitPath()); !os.IsNotExist(err) {
		t.Errorf("unit file still there after uninstall: %v", err)
	}
	// Uninstalling a running unit stops it first: systemd would otherwise keep
	// the process running without its unit file.
	calls := strings.Join(f.calls(t), "\n")
	stop := strings.LastIndex(calls, "stop --user calsync.service")
	disable := strings.LastIndex(calls, "disable --user calsync.service")
	if stop < 0 || disable < 0 || stop > disable {
		t.Errorf("uninstall must stop, then disable; calls:\n%s", calls)
	}
	if !strings.Contains(logs.String(), "service installed") || !strings.Contains(logs.String(), "service uninstalled") {
		t.Errorf("log lacks the changes:\n%s", logs)
	}
}

func TestControlErrorsAndAdvice(t *testing.T) {
	ctx := context.Background()
	t.Run("not installed", func(t *testing.T) {
		f := useFakeSystemd(t)
		c, _ := testController(t, f, nil)
		for _, act := range []string{action.Start, action.Stop} {
			_, err := c.control(ctx, act)
			if err == nil || !strings.Contains(err.Error(), "not installed") {
				t.Errorf("%s on a missing service: %v", act, err)
			}
		}
		if _, err := c.control(ctx, "restart-please"); err == nil || !strings.Contains(err.Error(), "install, uninstall, start, stop or status") {
			t.Errorf("unknown action: %v", err)
		}
	})
	t.Run("no user session", func(t *testing.T) {
		f := useFakeSystemd(t)
		f.set(t, "nobus", "")
		c, _ := testController(t, f, nil)
		for _, act := range []string{action.Install, action.Status} {
			_, err := c.control(ctx, act)
			if err == nil {
				t.Fatalf("%s without a user session succeeded", act)
			}
			for _, want := range []string{"No medium found", "loginctl enable-linger alice", "not sudo or su"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%s error lacks %q:\n%v", act, want, err)
				}
			}
		}
		if _, err := os.Stat(f.unitPath()); !os.IsNotExist(err) {
			t.Error("a unit file was written although no user manager is reachable")
		}
	})
	t.Run("root", func(t *testing.T) {
		f := useFakeSystemd(t)
		c, _ := testController(t, f, func(h *host) { h.euid = 0 })
		_, err := c.control(ctx, action.Install)
		if err == nil || !strings.Contains(err.Error(), "without sudo") {
			t.Errorf("install as root: %v", err)
		}
		if _, err := os.Stat(f.unitPath()); !os.IsNotExist(err) {
			t.Error("a unit file was written for root")
		}
	})
	t.Run("path systemd would rewrite", func(t *testing.T) {
		f := useFakeSystemd(t)
		c, _ := testController(t, f, nil)
		c.p.ConfigPath = "/home/alice/100%/config.json"
		_, err := c.control(ctx, action.Install)
		if err == nil || !strings.Contains(err.Error(), "config path") {
			t.Errorf("install with %% in the config path: %v", err)
		}
		if _, err := os.Stat(f.unitPath()); !os.IsNotExist(err) {
			t.Error("a unit file was written")
		}
	})
	t.Run("failed unit", func(t *testing.T) {
		f := useFakeSystemd(t)
		c, _ := testController(t, f, nil)
		if _, err := c.control(ctx, action.Install); err != nil {
			t.Fatal(err)
		}
		f.set(t, "active", "failed")
		if msg, err := c.control(ctx, action.Status); err != nil || msg != "failed" {
			t.Errorf("status of a failed unit = %q, %v", msg, err)
		}
		if msg, err := c.control(ctx, action.Stop); err != nil || msg != "already stopped" {
			t.Errorf("stop of a failed unit = %q, %v", msg, err)
		}
	})
	t.Run("start that does not stick", func(t *testing.T) {
		f := useFakeSystemd(t)
		c, _ := testController(t, f, nil)
		if _, err := c.control(ctx, action.Install); err != nil {
			t.Fatal(err)
		}
		f.set(t, "nostart", "")
		_, err := c.control(ctx, action.Start)
		if err == nil || !strings.Contains(err.Error(), "journalctl --user -u calsync") {
			t.Errorf("start that does not run: %v", err)
		}
	})
}

func TestInstallMentionsLinger(t *testing.T) {
	ctx := context.Background()
	for _, lingering := range []bool{false, true} {
		f := useFakeSystemd(t)
		c, _ := testController(t, f, nil)
		if lingering {
			os.MkdirAll(c.h.lingerDir, 0o755)
			f.set(t, "linger/alice", "")
		}
		msg, err := c.control(ctx, action.Install)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(msg, "sudo loginctl enable-linger alice"); got == lingering {
			t.Errorf("lingering=%v: install message %q", lingering, msg)
		}
	}
}
