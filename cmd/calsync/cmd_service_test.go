package main

import (
	"runtime"
	"strings"
	"testing"

	"github.com/calsync/calsync/sync/service"
)

// TestServicePrintConfig checks that print-config prints exactly the file
// sync/service renders for install, and refuses what it cannot render.
func TestServicePrintConfig(t *testing.T) {
	const (
		macExe = "/Applications/OneCloud Calendar Sync.app/Contents/MacOS/calsync"
		macCfg = "/Users/admin/Library/Application Support/calsync/config.json"
	)
	want, err := service.DefinitionFile(service.Params{GOOS: "darwin", Executable: macExe, ConfigPath: macCfg})
	if err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, nil, "", "--config", macCfg, "service", "print-config", "--os", "darwin", "--executable", macExe)
	if r.code != exitOK || r.stdout != want.Content {
		t.Errorf("darwin print-config, want the LaunchAgent of service.DefinitionFile:\n%s", r)
	}

	r = runCLI(t, nil, "", "service", "print-config", "--os", "linux", "--portable")
	if r.code != exitOK || !strings.Contains(r.stdout,
		`ExecStart=%h/.local/bin/calsync "service" "run" "--config" "%h/.config/calsync/config.json"`+"\n") {
		t.Errorf("portable linux unit:\n%s", r)
	}

	if runtime.GOOS == "linux" || runtime.GOOS == "darwin" {
		cfg := t.TempDir() + "/config.json"
		r = runCLI(t, nil, "", "--config", cfg, "service", "print-config")
		if r.code != exitOK || !strings.Contains(r.stdout, cfg) {
			t.Errorf("print-config for this machine should name %s:\n%s", cfg, r)
		}
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"service", "print-config", "--os", "darwin", "--portable"}, "--os linux only"},
		{[]string{"service", "print-config", "--os", "linux", "--portable", "--executable", "/x"}, "drop --executable"},
		{[]string{"service", "print-config", "--os", otherOS(), "--executable", "/x"}, "give --executable and --config"},
		{[]string{"--config", `C:\c.json`, "service", "print-config", "--os", "windows", "--executable", `C:\c.exe`}, "service control manager"},
		{[]string{"--config", "/c.json", "service", "print-config", "--os", "plan9", "--executable", "/c"}, "not supported"},
		{[]string{"service", "print-config", "extra"}, "unexpected argument"},
	} {
		r := runCLI(t, nil, "", tc.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("calsync %s: want exit %d saying %q\n%s", strings.Join(tc.args, " "), exitUsage, tc.want, r)
		}
	}
}

func otherOS() string {
	if runtime.GOOS == "darwin" {
		return "linux"
	}
	return "darwin"
}
