package service

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	kservice "github.com/kardianos/service"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// Typical install locations per OS, the same ones docs/service.md shows.
var (
	windowsParams = Params{
		GOOS:       "windows",
		Executable: `C:\Program Files\OneCloud Calendar Sync\calsync.exe`,
		ConfigPath: `C:\ProgramData\calsync\config.json`,
	}
	darwinParams = Params{
		GOOS:       "darwin",
		Executable: "/Applications/OneCloud Calendar Sync.app/Contents/MacOS/calsync",
		ConfigPath: "/Users/admin/Library/Application Support/calsync/config.json",
	}
	linuxParams = Params{
		GOOS:       "linux",
		Executable: "/home/alice/.local/bin/calsync",
		ConfigPath: "/home/alice/.config/calsync/config.json",
	}
)

// TestConfigGolden compares the whole service definition per OS with a
// golden dump, option types included: kardianos reads each option with a
// type assertion and silently falls back to its default on a wrong type (an
// int64 OnFailureResetPeriod would become 10 seconds).
func TestConfigGolden(t *testing.T) {
	for _, p := range []Params{windowsParams, darwinParams, linuxParams} {
		t.Run(p.GOOS, func(t *testing.T) {
			got := dumpConfig(Config(p))
			checkGolden(t, filepath.Join("testdata", "config-"+p.GOOS+".golden"), got)
		})
	}
}

// TestConfigFacts states the decisions docs/service.md explains, so a golden
// update cannot quietly undo one.
func TestConfigFacts(t *testing.T) {
	for _, p := range []Params{windowsParams, darwinParams, linuxParams} {
		c := Config(p)
		if c.Name != "calsync" || c.DisplayName != "OneCloud Calendar Sync" || c.Description == "" {
			t.Errorf("%s: identity %q/%q/%q", p.GOOS, c.Name, c.DisplayName, c.Description)
		}
		if c.Executable != p.Executable {
			t.Errorf("%s: Executable %q, want the calsync binary %q", p.GOOS, c.Executable, p.Executable)
		}
		if want := []string{"service", "run", "--config", p.ConfigPath}; !slices.Equal(c.Arguments, want) {
			t.Errorf("%s: Arguments %q, want %q", p.GOOS, c.Arguments, want)
		}
		if c.UserName != "" {
			t.Errorf("%s: UserName %q: Windows must run as LocalSystem and user services as their installer", p.GOOS, c.UserName)
		}
		_, user := c.Option["UserService"]
		if user != (p.GOOS != "windows") {
			t.Errorf("%s: UserService set = %v", p.GOOS, user)
		}
	}
	w := Config(windowsParams).Option
	if len(w) != 1 || w["StartType"] != "automatic" {
		t.Errorf("windows options %v: want only StartType automatic; the optional settings are applied one by one after install", w)
	}
	if opt := WindowsOptionalSettings(); opt != (WindowsOptional{DelayedAutoStart: true, RestartDelay: 10 * time.Second, ResetPeriod: 24 * time.Hour, RestartOnErrorExit: true}) {
		t.Errorf("windows optional settings %+v", opt)
	}
	d := Config(darwinParams).Option
	if d["UserService"] != true || d["RunAtLoad"] != true || d["KeepAlive"] != true {
		t.Errorf("darwin options %v, want a kept-alive LaunchAgent run at load", d)
	}
	if d["LogDirectory"] != "/Users/admin/Library/Application Support/calsync" {
		t.Errorf("darwin LogDirectory %q, want the config directory", d["LogDirectory"])
	}
	l := Config(linuxParams).Option
	if l["UserService"] != true || l["Restart"] != "on-failure" {
		t.Errorf("linux options %v", l)
	}
	script, _ := l["SystemdScript"].(string)
	if !strings.Contains(script, "WantedBy=default.target") || strings.Contains(script, "multi-user.target") {
		t.Errorf("linux unit must be wanted by default.target, the user manager's boot target:\n%s", script)
	}
	if strings.Contains(script, "network-online.target") || len(Config(linuxParams).Dependencies) != 0 {
		t.Error("a user unit cannot order itself after the system's network-online.target")
	}
	if other := Config(Params{GOOS: "plan9", Executable: "/bin/calsync", ConfigPath: "/c.json"}); other.Option != nil {
		t.Errorf("unsupported OS got options %v", other.Option)
	}
}

func TestConfigIsPure(t *testing.T) {
	a, b := Config(linuxParams), Config(linuxParams)
	a.Arguments[0] = "changed"
	a.Option["Restart"] = "always"
	if b.Arguments[0] != "service" || b.Option["Restart"] != "on-failure" {
		t.Error("Config results share state")
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	good := Params{GOOS: runtime.GOOS, Executable: filepath.Join(dir, "calsync"), ConfigPath: filepath.Join(dir, "config.json")}
	if err := good.Validate(); err != nil {
		t.Fatalf("Validate(%+v) = %v", good, err)
	}
	other := "linux"
	if runtime.GOOS == "linux" {
		other = "windows"
	}
	tests := []struct {
		name   string
		change func(*Params)
		want   string
	}{
		{"other OS", func(p *Params) { p.GOOS = other }, "GOOS is"},
		{"empty OS", func(p *Params) { p.GOOS = "" }, "GOOS"},
		{"relative executable", func(p *Params) { p.Executable = "calsync" }, "Executable"},
		{"no config", func(p *Params) { p.ConfigPath = "" }, "ConfigPath"},
		{"relative config", func(p *Params) { p.ConfigPath = "config.json" }, "ConfigPath"},
		{"negative timeout", func(p *Params) { p.StopTimeout = -time.Second }, "StopTimeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := good
			tc.change(&p)
			err := p.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate = %v, want an error naming %s", err, tc.want)
			}
		})
	}
}

func TestCurrentParams(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "config.json")
	p, err := CurrentParams(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if p.GOOS != runtime.GOOS || p.ConfigPath != cfg || !filepath.IsAbs(p.Executable) {
		t.Errorf("CurrentParams = %+v", p)
	}
	if err := p.Validate(); err != nil {
		t.Error(err)
	}
}

// dumpConfig prints a kservice.Config field by field; options are sorted and
// carry their Go type, and multi-line values (the systemd template) are
// printed as they are.
func dumpConfig(c *kservice.Config) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Name: %q\n", c.Name)
	fmt.Fprintf(&b, "DisplayName: %q\n", c.DisplayName)
	fmt.Fprintf(&b, "Description: %q\n", c.Description)
	fmt.Fprintf(&b, "UserName: %q\n", c.UserName)
	fmt.Fprintf(&b, "Executable: %q\n", c.Executable)
	fmt.Fprintf(&b, "Arguments: %q\n", c.Arguments)
	fmt.Fprintf(&b, "Dependencies: %q\n", c.Dependencies)
	fmt.Fprintf(&b, "WorkingDirectory: %q\n", c.WorkingDirectory)
	fmt.Fprintf(&b, "ChRoot: %q\n", c.ChRoot)
	fmt.Fprintf(&b, "EnvVars: %q\n", c.EnvVars)
	keys := make([]string, 0, len(c.Option))
	for k := range c.Option {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := c.Option[k]
		if s, ok := v.(string); ok && strings.Contains(s, "\n") {
			fmt.Fprintf(&b, "Option %s (string):\n%s", k, s)
			continue
		}
		fmt.Fprintf(&b, "Option %s (%T): %#v\n", k, v, v)
	}
	return b.String()
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it)\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}
