package config

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	slices.Sort(names)
	return names
}

func TestLoadMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	_, err := Load(path)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Load(missing) = %v, want fs.ErrNotExist", err)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the path", err)
	}
}

func TestLoadCorruptNamesPathLineColumn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte("{\n  \"version\": 1,\n  \"sync\": {\"interval\": \"1m\",}\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	want := path + ":3:29: invalid character '}' looking for beginning of object key string"
	if err == nil || err.Error() != want {
		t.Fatalf("Load = %v, want %q", err, want)
	}
	var de *DecodeError
	if !errors.As(err, &de) || de.Path != path || de.Line != 3 || de.Column != 29 {
		t.Errorf("DecodeError = %+v", de)
	}
}

func TestLoadFieldErrorNamesPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte("{\"users\": [{\"mailbox\": true}]}"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	want := path + ":1:13: users[0].mailbox: expected a string, got the boolean true"
	if err == nil || err.Error() != want {
		t.Fatalf("Load = %v, want %q", err, want)
	}
}

// TestLoadNamesPathForEveryProblem: every kind of decode problem names the
// file, a key given twice included.
func TestLoadNamesPathForEveryProblem(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"duplicate key", "{\n  \"version\": 1,\n  \"defaultActivity\": \"a\", \"defaultActivity\": \"b\"\n}\n",
			":3:27: defaultActivity: appears twice (first at line 3, column 3); keep one"},
		{"empty", "", ": empty; expected a JSON object"},
		{"unknown field", "{\"bogus\": 1}", ":1:2: bogus: unknown field"},
		{"newer version", "{\"version\": 99}", ": written by a newer calsync (version 99)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.json")
			if err := os.WriteFile(path, []byte(tt.text), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			if err == nil || !strings.HasPrefix(err.Error(), path+tt.want) {
				t.Fatalf("Load = %v, want %q", err, path+tt.want)
			}
		})
	}
}

func TestLoadSizeCap(t *testing.T) {
	tests := []struct {
		name    string
		size    int
		wantErr bool
	}{
		{"at the cap", MaxFileBytes, false},
		{"one byte over", MaxFileBytes + 1, true},
		{"31 MB", 31 << 20, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.json")
			// A valid config padded with white space to the size.
			text := []byte("{\"version\": 1}")
			text = append(text, bytes.Repeat([]byte(" "), tt.size-len(text))...)
			if err := os.WriteFile(path, text, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("Load = %v", err)
				}
				return
			}
			var de *DecodeError
			if !errors.Is(err, ErrFileTooLarge) || !errors.As(err, &de) || de.Path != path {
				t.Fatalf("Load = %v; want a DecodeError naming the path, wrapping ErrFileTooLarge", err)
			}
			for _, w := range []string{path + ": file too large: it is ", " MiB and a configuration is at most 4 MiB", "is this the calsync configuration file?"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestSaveMovesOversizedFileAside: Save over a file too large to decode
// keeps it as .bak without reading it into memory.
func TestSaveMovesOversizedFileAside(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	big := bytes.Repeat([]byte("x"), MaxFileBytes+1)
	if err := os.WriteFile(path, big, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Save(path, validConfig()); err != nil {
		t.Fatalf("Save: %v", err)
	}
	if bak, err := os.ReadFile(path + ".bak"); err != nil || !bytes.Equal(bak, big) {
		t.Errorf(".bak = %d bytes, %v; want the old file", len(bak), err)
	}
	if _, err := Load(path); err != nil {
		t.Errorf("Load after Save: %v", err)
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "calsync")
	path := filepath.Join(dir, "config.json")
	c := validConfig()
	if err := Save(path, c); err != nil {
		t.Fatalf("Save: %v", err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Errorf("Load(Save(c)) = %+v, want %+v", got, c)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/example.json")
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != string(want) {
		t.Errorf("saved file differs from testdata/example.json:\n%s", data)
	}
	if runtime.GOOS != "windows" {
		for p, perm := range map[string]os.FileMode{path: 0o600, dir: 0o700} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != perm {
				t.Errorf("%s has mode %v, want %v", p, fi.Mode().Perm(), perm)
			}
		}
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"config.json"}) {
		t.Errorf("directory holds %v, want only config.json", names)
	}
}

func TestSaveKeepsCorruptFileAsBak(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	corrupt := []byte("{\"version\": 1, \"rules\": [ oops\n")
	if err := os.WriteFile(path, corrupt, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Save(path, validConfig()); err != nil {
		t.Fatalf("Save: %v", err)
	}
	bak, err := os.ReadFile(path + ".bak")
	if err != nil {
		t.Fatalf("no .bak: %v", err)
	}
	if string(bak) != string(corrupt) {
		t.Errorf(".bak = %q, want the corrupt file", bak)
	}
	if _, err := Load(path); err != nil {
		t.Errorf("Load after Save: %v", err)
	}
	if runtime.GOOS != "windows" {
		if fi, _ := os.Stat(path + ".bak"); fi == nil || fi.Mode().Perm() != 0o600 {
			t.Errorf(".bak mode is not 0600")
		}
	}
}

// A file that decodes needs no copy, even if it does not validate: it is
// just being fixed.
func TestSaveNoBakForReadableFile(t *testing.T) {
	for name, existing := range map[string]string{
		"valid":             "", // filled below
		"readable, invalid": `{"version": 1, "sync": {"interval": "1s"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "config.json")
			if existing == "" {
				if err := Save(path, validConfig()); err != nil {
					t.Fatal(err)
				}
			} else if err := os.WriteFile(path, []byte(existing), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := Save(path, validConfig()); err != nil {
				t.Fatalf("Save: %v", err)
			}
			if names := dirNames(t, dir); !slices.Equal(names, []string{"config.json"}) {
				t.Errorf("directory holds %v, want only config.json", names)
			}
		})
	}
}

func TestSaveRefusesInvalidWithoutTouchingFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	old := []byte("not even json")
	if err := os.WriteFile(path, old, 0o600); err != nil {
		t.Fatal(err)
	}
	c := validConfig()
	c.Sync.Interval = "1s"
	c.Users[0].Mailbox = "nobody"
	err := Save(path, c)
	var verrs ValidationErrors
	if !errors.As(err, &verrs) || len(verrs) != 2 {
		t.Fatalf("Save(invalid) = %v, want the 2 ValidationErrors", err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != string(old) {
		t.Errorf("file changed to %q", got)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"config.json"}) {
		t.Errorf("directory holds %v, want only config.json (no .bak, no temp)", names)
	}
}

func TestSaveRefusesToReplaceNewerVersion(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	newer := []byte(`{"version": 7}`)
	if err := os.WriteFile(path, newer, 0o600); err != nil {
		t.Fatal(err)
	}
	err := Save(path, validConfig())
	if !errors.Is(err, ErrNewerVersion) {
		t.Fatalf("Save over a newer config = %v, want ErrNewerVersion", err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != string(newer) {
		t.Errorf("file changed to %q", got)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"config.json"}) {
		t.Errorf("directory holds %v", names)
	}
}

func TestDefaultPath(t *testing.T) {
	env := func(m map[string]string) func(string) string {
		return func(k string) string { return m[k] }
	}
	userDir := func() (string, error) { return "/home/ada/.config", nil }
	noHome := func() (string, error) { return "", errors.New("neither $XDG_CONFIG_HOME nor $HOME are defined") }
	tests := []struct {
		name    string
		goos    string
		env     map[string]string
		userDir func() (string, error)
		want    string
		wantErr string
	}{
		{"linux", "linux", nil, userDir, "/home/ada/.config/calsync/config.json", ""},
		{"darwin", "darwin", nil, func() (string, error) { return "/Users/ada/Library/Application Support", nil },
			"/Users/ada/Library/Application Support/calsync/config.json", ""},
		{"windows ProgramData", "windows", map[string]string{"ProgramData": `D:\ProgramData`}, noHome,
			`D:\ProgramData\calsync\config.json`, ""},
		{"windows trailing backslash", "windows", map[string]string{"ProgramData": `D:\Data\`}, noHome,
			`D:\Data\calsync\config.json`, ""},
		{"windows fallback", "windows", nil, noHome, `C:\ProgramData\calsync\config.json`, ""},
		{"no home", "linux", nil, noHome, "", "give the file with --config or CALSYNC_CONFIG"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := defaultPath(tt.goos, env(tt.env), tt.userDir)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != filepath.FromSlash(tt.want) && got != tt.want {
				t.Errorf("defaultPath = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestResolvePath(t *testing.T) {
	userDir := func() (string, error) { return "/home/ada/.config", nil }
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	abs := filepath.Join(t.TempDir(), "c.json")
	tests := []struct {
		name string
		flag string
		env  string
		want string
	}{
		{"flag wins", abs, "/elsewhere/config.json", abs},
		{"relative flag made absolute", "my.json", "", filepath.Join(cwd, "my.json")},
		{"environment", "", abs, abs},
		{"default", "", "", filepath.Join("/home/ada/.config", "calsync", "config.json")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == EnvConfig {
					return tt.env
				}
				return ""
			}
			got, err := resolvePath(tt.flag, getenv, "linux", userDir)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("resolvePath = %q, want %q", got, tt.want)
			}
		})
	}

	// The exported entry point with the real OS: the flag still wins.
	if got, err := ResolvePath(abs, nil); err != nil || got != abs {
		t.Errorf("ResolvePath(%q, nil) = %q, %v", abs, got, err)
	}
}

func TestSiblingPath(t *testing.T) {
	got := SiblingPath(filepath.Join("etc", "calsync", "config.json"), StateFileName)
	if want := filepath.Join("etc", "calsync", "state.json"); got != want {
		t.Errorf("SiblingPath = %q, want %q", got, want)
	}
}
