package service

import (
	"encoding/json"
	"fmt"
	"github.com/calsync/calsync/sync/internal/testhelp"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

// fakeSystemLog records what reaches the OS service log.
type fakeSystemLog struct {
	mu    sync.Mutex
	lines []string // "LEVEL message"
}

func (f *fakeSystemLog) add(level string, v ...any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lines = append(f.lines, level+" "+fmt.Sprint(v...))
	return nil
}

func (f *fakeSystemLog) Error(v ...any) error   { return f.add("E", v...) }
func (f *fakeSystemLog) Warning(v ...any) error { return f.add("W", v...) }
func (f *fakeSystemLog) Info(v ...any) error    { return f.add("I", v...) }
func (f *fakeSystemLog) Errorf(format string, a ...any) error {
	return f.add("E", fmt.Sprintf(format, a...))
}
func (f *fakeSystemLog) Warningf(format string, a ...any) error {
	return f.add("W", fmt.Sprintf(format, a...))
}
func (f *fakeSystemLog) Infof(format string, a ...any) error {
	return f.add("I", fmt.Sprintf(format, a...))
}

// TestLoggerFanOut checks which sink gets which record, per configured level.
func TestLoggerFanOut(t *testing.T) {
	type sinks struct{ file, stderr, system bool }
	tests := []struct {
		name   string
		level  slog.Leveler
		emit   func(*slog.Logger)
		want   sinks
		system string // the system log line, when one is expected
	}{
		{"debug at info", nil, func(l *slog.Logger) { l.Debug("poll details") }, sinks{}, ""},
		{"debug at debug", slog.LevelDebug, func(l *slog.Logger) { l.Debug("poll details") }, sinks{true, true, false}, ""},
		{"info", nil, func(l *slog.Logger) { l.Info("presence set", "user", "a@contoso.com") }, sinks{true, true, false}, ""},
		{"warn", nil, func(l *slog.Logger) { l.Warn("graph throttled") }, sinks{true, true, false}, ""},
		{"error", nil, func(l *slog.Logger) { l.Error("token refused", "code", "AADSTS7000215") }, sinks{true, true, true}, "E token refused code=AADSTS7000215"},
		{"marked info", nil, func(l *slog.Logger) { l.Info("service started", SystemLog(), "mode", "linux-systemd") }, sinks{true, true, true}, "I service started mode=linux-systemd"},
		{"marked warn", nil, func(l *slog.Logger) { l.Warn("the sync ended by itself", SystemLog()) }, sinks{true, true, true}, "W the sync ended by itself"},
		{"marked info at warn level", slog.LevelWarn, func(l *slog.Logger) { l.Info("service started", SystemLog()) }, sinks{false, false, true}, "I service started"},
		{"marked debug", slog.LevelDebug, func(l *slog.Logger) { l.Debug("detail", SystemLog()) }, sinks{true, true, false}, ""},
		{"With marks every record", nil, func(l *slog.Logger) { l.With(SystemLog()).Info("service stopped") }, sinks{true, true, true}, "I service stopped"},
		{"attrs and groups reach the system log", nil, func(l *slog.Logger) {
			l.With("user", "bob@contoso.com").WithGroup("graph").Error("schedule failed", "status", 403)
		}, sinks{true, true, true}, "E schedule failed user=bob@contoso.com graph.status=403"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var file, stderr testhelp.Buffer
			sys := &fakeSystemLog{}
			tc.emit(NewLogger(LogOptions{Level: tc.level, File: &file, Stderr: &stderr, System: sys}))
			got := sinks{file.String() != "", stderr.String() != "", len(sys.lines) > 0}
			if got != tc.want {
				t.Fatalf("sinks written %+v, want %+v (file %q, system %q)", got, tc.want, file.String(), sys.lines)
			}
			if tc.system != "" && !slices.Equal(sys.lines, []string{tc.system}) {
				t.Errorf("system log %q, want %q", sys.lines, tc.system)
			}
			for name, out := range map[string]string{"file": file.String(), "stderr": stderr.String(), "system": strings.Join(sys.lines, "\n")} {
				if strings.Contains(out, systemLogKey) {
					t.Errorf("%s shows the internal mark: %q", name, out)
				}
			}
			if file.String() != "" && !strings.Contains(file.String(), "time=") {
				t.Errorf("file line lacks a time stamp: %q", file.String())
			}
		})
	}
}

func TestLoggerWithoutSinks(t *testing.T) {
	log := NewLogger(LogOptions{})
	log.Error("nowhere to go", SystemLog()) // must not panic
	if log.Enabled(t.Context(), slog.LevelInfo) != true {
		t.Error("the default level is Info")
	}
}

func TestOpenLogger(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "calsync")
	p := Params{GOOS: runtime.GOOS, Executable: filepath.Join(dir, "calsync"), ConfigPath: filepath.Join(dir, "config.json")}
	log, f, err := OpenLogger(p, slog.LevelInfo)
	if err != nil {
		t.Fatal(err)
	}
	log.Info("opened for the test", "n", 1)
	log.Debug("below the level")
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if f.Path() != filepath.Join(dir, "calsync.log") || LogPath(p.ConfigPath) != f.Path() {
		t.Errorf("log at %s, want calsync.log next to the config", f.Path())
	}
	lines, err := f.Tail(10)
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(lines, "\n")
	if !strings.Contains(joined, "opened for the test") || strings.Contains(joined, "below the level") {
		t.Errorf("log file holds %q", joined)
	}
	if runtime.GOOS != "windows" {
		if st, err := os.Stat(f.Path()); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("log file mode %v, %v; want 0600", st.Mode().Perm(), err)
		}
	}
}

// jsonKeys returns the top-level keys of one JSON log line.
func jsonKeys(t *testing.T, line string) []string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		t.Fatalf("log line %q: %v", line, err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}
