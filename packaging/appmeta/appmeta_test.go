package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

const repoToml = "../../FyneApp.toml"

// TestOneFyneAppToml keeps the metadata in one place: the top of the repository, tracked once.
func TestOneFyneAppToml(t *testing.T) {
	out, err := exec.Command("git", "-C", "../..", "ls-files").Output()
	if err != nil {
		t.Skipf("not a git checkout (git ls-files: %v)", err)
	}
	if err := oneFyneAppToml(strings.Split(strings.TrimSpace(string(out)), "\n")); err != nil {
		t.Error(err)
	}
}

// oneFyneAppToml fails unless the tracked files hold exactly one FyneApp.toml, at the top level.
func oneFyneAppToml(tracked []string) error {
	var found []string
	for _, f := range tracked {
		if path.Base(f) == "FyneApp.toml" {
			found = append(found, f)
		}
	}
	if len(found) != 1 || found[0] != "FyneApp.toml" {
		return fmt.Errorf("tracked FyneApp.toml files = %q, want exactly one, at the top level (FyneApp.toml)", found)
	}
	return nil
}

func TestOneFyneAppTomlCatches(t *testing.T) {
	tests := []struct {
		tracked []string
		ok      bool
	}{
		{[]string{"FyneApp.toml", "go.mod", "cmd/calsync/main.go"}, true},
		{[]string{"FyneApp.toml", "cmd/calsync/FyneApp.toml"}, false},
		{[]string{"cmd/calsync/FyneApp.toml"}, false},
		{[]string{"go.mod"}, false},
	}
	for _, tt := range tests {
		if err := oneFyneAppToml(tt.tracked); (err == nil) != tt.ok {
			t.Errorf("oneFyneAppToml(%q) = %v, want ok=%v", tt.tracked, err, tt.ok)
		}
	}
}

func TestRepositoryMetadataLoads(t *testing.T) {
	m, err := Load(repoToml)
	if err != nil {
		t.Fatal(err)
	}
	if m.Details.Name != "OneCloud Calendar Sync" || m.Details.ID != "com.onecloud.calsync" {
		t.Errorf("Details = %+v", m.Details)
	}
}

func writeToml(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "icon.png"), []byte("png"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "FyneApp.toml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const goodToml = `Website = "https://example.com"
[Details]
  Icon = "icon.png"
  Name = "Example App"
  ID = "com.example.app"
  Version = "1.2.3"
  Build = 4
[LinuxAndBSD]
  GenericName = "Example"
  Comment = "An example; with a semicolon"
  Categories = ["Office"]
  Keywords = ["one", "two;three"]
`

func TestLoadErrorsNameTheField(t *testing.T) {
	tests := []struct {
		name, from, to, want string
	}{
		{"version", `Version = "1.2.3"`, `Version = "1.2"`, `Details.Version: "1.2" is not X.Y.Z`},
		{"build", `Build = 4`, `Build = 0`, `Details.Build: 0 must be 1 or more`},
		{"id", `ID = "com.example.app"`, `ID = "example"`, `Details.ID: "example" is not a reverse-DNS ID`},
		{"name", `Name = "Example App"`, `Name = "Ex\"ample"`, `Details.Name: "Ex\"ample" must be letters`},
		{"icon", `Icon = "icon.png"`, `Icon = "missing.png"`, `Details.Icon: "missing.png":`},
		{"categories", `Categories = ["Office"]`, `Categories = []`, `LinuxAndBSD.Categories: needs at least one`},
		{"unknown key", `Build = 4`, "Build = 4\n  Bulid = 5", `unknown key Details.Bulid`},
		{"syntax", `Build = 4`, `Build = `, `read `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeToml(t, strings.Replace(goodToml, tt.from, tt.to, 1))
			_, err := Load(p)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestGetFillDesktop(t *testing.T) {
	m, err := Load(writeToml(t, goodToml))
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"Name": "Example App", "ID": "com.example.app", "Version": "1.2.3", "Build": "4",
		"Icon": "icon.png", "Website": "https://example.com", "Keywords": "one;two;three",
	} {
		if got, err := m.Get(key); err != nil || got != want {
			t.Errorf("Get(%q) = %q, %v; want %q", key, got, err, want)
		}
	}
	if _, err := m.Get("Colour"); err == nil || !strings.Contains(err.Error(), `unknown key "Colour"`) {
		t.Errorf("Get(Colour) error = %v", err)
	}

	got, err := m.Fill("<name>@APP_NAME@</name><id>@APP_ID@</id> @VERSION@ @APP_BUILD@")
	if want := "<name>Example App</name><id>com.example.app</id> @VERSION@ 4"; err != nil || got != want {
		t.Errorf("Fill = %q, %v; want %q", got, err, want)
	}
	if _, err := m.Fill("@APP_NAEM@"); err == nil || !strings.Contains(err.Error(), "unknown placeholder @APP_NAEM@") {
		t.Errorf("Fill(typo) error = %v", err)
	}

	want, err := os.ReadFile(filepath.Join("testdata", "example.desktop"))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.DesktopEntry(); got != string(want) {
		t.Errorf("DesktopEntry =\n%s\nwant (testdata/example.desktop)\n%s", got, want)
	}
}

func TestRunUsage(t *testing.T) {
	p := writeToml(t, goodToml)
	tests := []struct {
		args       []string
		code       int
		out, errIn string
	}{
		{[]string{"-file", p, "get", "ID"}, 0, "com.example.app\n", ""},
		{[]string{"-file", p}, 2, "", "a command is required"},
		{[]string{"-file", p, "get"}, 2, "", "get takes one KEY"},
		{[]string{"-file", p, "paint"}, 2, "", `unknown command "paint"`},
		{[]string{"-file", p, "fill", "/nonexistent"}, 1, "", "fill /nonexistent"},
		{[]string{"-file", "/nonexistent/FyneApp.toml", "get", "ID"}, 1, "", "read /nonexistent/FyneApp.toml"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		code := run(tt.args, &out, &errb)
		if code != tt.code || out.String() != tt.out || !strings.Contains(errb.String(), tt.errIn) {
			t.Errorf("run(%q) = %d, stdout %q, stderr %q; want %d, %q, stderr containing %q",
				tt.args, code, out.String(), errb.String(), tt.code, tt.out, tt.errIn)
		}
	}
}
