package service

import (
	"context"
	"errors"
	"github.com/calsync/calsync/sync/internal/testhelp"
	"log/slog"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

type runMode struct {
	name string
	run  func(context.Context, Params, *slog.Logger, Body) error
}

// modes are both ways Run can go: in a terminal, and under kardianos's Run
// (on Linux and macOS it waits through the RunWait option, as under systemd
// or launchd; the Windows SCM cannot be played in a test).
func modes(t *testing.T) []runMode {
	m := []runMode{{"foreground", runForeground}}
	if runtime.GOOS != "windows" {
		m = append(m, runMode{"managed", runManaged})
	} else {
		t.Log("managed mode needs the Windows SCM; testing the foreground only")
	}
	return m
}

func testParams(t *testing.T) Params {
	dir := t.TempDir()
	return Params{GOOS: runtime.GOOS, Executable: filepath.Join(dir, "calsync"), ConfigPath: filepath.Join(dir, "config.json")}
}

// TestRunStopSavesState cancels Run the way a stop request does and checks
// that the body saw the cancellation and finished saving before Run returned.
func TestRunStopSavesState(t *testing.T) {
	for _, m := range modes(t) {
		t.Run(m.name, func(t *testing.T) {
			var logs testhelp.Buffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			ctx, stop := context.WithCancel(context.Background())
			started := make(chan struct{})
			var saved atomic.Bool
			body := func(ctx context.Context, log *slog.Logger) error {
				close(started)
				<-ctx.Done()
				time.Sleep(20 * time.Millisecond) // saving takes a moment
				saved.Store(true)
				return ctx.Err()
			}
			done := make(chan error, 1)
			go func() { done <- m.run(ctx, testParams(t), log, body) }()
			<-started
			stop()
			err := <-done
			if err != nil {
				t.Errorf("Run = %v, want a clean stop", err)
			}
			if !saved.Load() {
				t.Error("Run returned before the body saved its state")
			}
			out := logs.String()
			for _, want := range []string{"service started", "service stopping", "service stopped"} {
				if !strings.Contains(out, want) {
					t.Errorf("log lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

func TestRunBodyEndsByItself(t *testing.T) {
	boom := errors.New("state file unwritable")
	tests := []struct {
		name    string
		body    Body
		wantErr string // "" for nil
		wantLog string
	}{
		{"error", func(context.Context, *slog.Logger) error { return boom }, "state file unwritable", "the sync stopped with an error"},
		{"clean", func(context.Context, *slog.Logger) error { return nil }, "", "the sync ended by itself"},
		{"canceled without a stop", func(context.Context, *slog.Logger) error { return context.Canceled }, "context canceled", "the sync stopped with an error"},
		{"panic", func(context.Context, *slog.Logger) error { panic("nil map") }, "the sync panicked: nil map", "stack="},
	}
	for _, m := range modes(t) {
		for _, tc := range tests {
			t.Run(m.name+"/"+tc.name, func(t *testing.T) {
				var logs testhelp.Buffer
				err := m.run(context.Background(), testParams(t), slog.New(slog.NewTextHandler(&logs, nil)), tc.body)
				switch {
				case tc.wantErr == "" && err != nil:
					t.Errorf("Run = %v, want nil", err)
				case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
					t.Errorf("Run = %v, want an error with %q", err, tc.wantErr)
				}
				if tc.name == "error" && !errors.Is(err, boom) {
					t.Errorf("Run = %v does not wrap the body's error", err)
				}
				if !strings.Contains(logs.String(), tc.wantLog) {
					t.Errorf("log lacks %q:\n%s", tc.wantLog, logs.String())
				}
			})
		}
	}
}

// TestRunStopTimeout: a body that ignores the stop is given up on after
// StopTimeout, and Run says so.
func TestRunStopTimeout(t *testing.T) {
	for _, m := range modes(t) {
		t.Run(m.name, func(t *testing.T) {
			release := make(chan struct{})
			defer close(release)
			started := make(chan struct{})
			body := func(context.Context, *slog.Logger) error {
				close(started)
				<-release
				return nil
			}
			p := testParams(t)
			p.StopTimeout = 10 * time.Millisecond
			var logs testhelp.Buffer
			ctx, stop := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- m.run(ctx, p, slog.New(slog.NewTextHandler(&logs, nil)), body) }()
			<-started
			stop()
			if err := <-done; !errors.Is(err, ErrStopTimeout) {
				t.Errorf("Run = %v, want ErrStopTimeout", err)
			}
			if !strings.Contains(logs.String(), "service stop timed out") {
				t.Errorf("log lacks the timeout:\n%s", logs.String())
			}
		})
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	ctx := context.Background()
	if err := Run(ctx, testParams(t), nil, nil); err == nil || !strings.Contains(err.Error(), "no body") {
		t.Errorf("Run without a body = %v", err)
	}
	bad := testParams(t)
	bad.ConfigPath = "relative.json"
	ran := false
	err := Run(ctx, bad, nil, func(context.Context, *slog.Logger) error { ran = true; return nil })
	if err == nil || !strings.Contains(err.Error(), "ConfigPath") || ran {
		t.Errorf("Run with a relative config = %v (body ran: %v)", err, ran)
	}
}

// TestRunLogsNothingItIsNotGiven: Run's own records carry only the config
// path, the mode and why it stopped; in particular nothing from the
// environment, where a client secret may sit (CALSYNC_* fallbacks).
func TestRunLogsNothingItIsNotGiven(t *testing.T) {
	const secret = "s3cr3t-client-secret-value"
	t.Setenv("CALSYNC_GRAPH_CLIENT_SECRET", secret)
	var logs testhelp.Buffer
	ctx, stop := context.WithCancel(context.Background())
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- runForeground(ctx, testParams(t), slog.New(slog.NewJSONHandler(&logs, nil)), func(ctx context.Context, _ *slog.Logger) error {
			close(started)
			<-ctx.Done()
			return nil
		})
	}()
	<-started
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if strings.Contains(out, secret) {
		t.Fatalf("the log contains the secret:\n%s", out)
	}
	allowed := map[string]bool{"time": true, "level": true, "msg": true, "mode": true, "config": true, "reason": true, systemLogKey: true}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		for _, key := range jsonKeys(t, line) {
			if !allowed[key] {
				t.Errorf("unexpected key %q in %s", key, line)
			}
		}
	}
}
