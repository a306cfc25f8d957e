package service

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestDefinitionFileGolden pins the LaunchAgent plist and the systemd user
// unit. The unit's golden is the same file TestSystemdUnitGolden compares
// with what kardianos wrote through a real install, so print-config and
// install cannot drift apart.
func TestDefinitionFileGolden(t *testing.T) {
	for _, tc := range []struct {
		p              Params
		golden, inHome string
	}{
		{darwinParams, "calsync.plist.golden", "Library/LaunchAgents/calsync.plist"},
		{linuxParams, "calsync.service.golden", ".config/systemd/user/calsync.service"},
	} {
		t.Run(tc.p.GOOS, func(t *testing.T) {
			d, err := DefinitionFile(tc.p)
			if err != nil {
				t.Fatal(err)
			}
			if d.HomePath != tc.inHome {
				t.Errorf("HomePath %q, want %q", d.HomePath, tc.inHome)
			}
			checkGolden(t, filepath.Join("testdata", tc.golden), d.Content)
		})
	}
}

// TestDefinitionIsWhatKardianosGets checks that Config hands kardianos the
// rendered file as its template, and that it has no template actions left,
// so kardianos writes it unchanged.
func TestDefinitionIsWhatKardianosGets(t *testing.T) {
	for _, tc := range []struct {
		p   Params
		key string
	}{{darwinParams, "LaunchdConfig"}, {linuxParams, "SystemdScript"}} {
		d, err := DefinitionFile(tc.p)
		if err != nil {
			t.Fatal(err)
		}
		if got := Config(tc.p).Option[tc.key]; got != d.Content {
			t.Errorf("%s: Config option %s is not the DefinitionFile content:\n%v", tc.p.GOOS, tc.key, got)
		}
		if strings.Contains(d.Content, "{{") {
			t.Errorf("%s: definition still has template actions:\n%s", tc.p.GOOS, d.Content)
		}
	}
}

// TestLaunchdPlistParses reads the plist back as XML, with paths that need
// escaping, and checks what launchd acts on.
func TestLaunchdPlistParses(t *testing.T) {
	p := Params{
		GOOS:       "darwin",
		Executable: `/Applications/A & B <"it's">.app/Contents/MacOS/calsync`,
		ConfigPath: "/Users/o'neil/Library/Application Support/calsync/config.json",
	}
	d, err := DefinitionFile(p)
	if err != nil {
		t.Fatal(err)
	}
	dict, err := parsePlistDict(d.Content)
	if err != nil {
		t.Fatalf("%v\n%s", err, d.Content)
	}
	want := map[string]any{
		"Label":             "calsync",
		"ProgramArguments":  []string{p.Executable, "service", "run", "--config", p.ConfigPath},
		"RunAtLoad":         true,
		"KeepAlive":         true,
		"ExitTimeOut":       "20",
		"StandardOutPath":   "/Users/o'neil/Library/Application Support/calsync/calsync.out.log",
		"StandardErrorPath": "/Users/o'neil/Library/Application Support/calsync/calsync.err.log",
	}
	for k, w := range want {
		got, ok := dict[k]
		if !ok {
			t.Errorf("key %s missing", k)
			continue
		}
		if fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("%s = %#v, want %#v", k, got, w)
		}
	}
	if len(dict) != len(want) {
		t.Errorf("plist has %d keys, want %d: %v", len(dict), len(want), dict)
	}
}

func TestSystemdUnitQuoting(t *testing.T) {
	d, err := DefinitionFile(Params{GOOS: "linux", Executable: "/opt/my apps/calsync", ConfigPath: `/srv/a "b"/config.json`})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`ConditionFileIsExecutable=/opt/my\x20apps/calsync`,
		`ExecStart=/opt/my\x20apps/calsync "service" "run" "--config" "/srv/a \"b\"/config.json"`,
	} {
		if !strings.Contains(d.Content, want+"\n") {
			t.Errorf("unit lacks the line %s:\n%s", want, d.Content)
		}
	}
	// The portable form packaging ships: %h is left for systemd to expand.
	d, err = DefinitionFile(Params{GOOS: "linux", Executable: "%h/.local/bin/calsync", ConfigPath: "%h/.config/calsync/config.json"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.Content, `ExecStart=%h/.local/bin/calsync "service" "run" "--config" "%h/.config/calsync/config.json"`) {
		t.Errorf("portable unit:\n%s", d.Content)
	}
}

func TestDefinitionFileErrors(t *testing.T) {
	tests := []struct {
		name string
		p    Params
		want string
	}{
		{"windows", windowsParams, "service control manager"},
		{"unsupported", Params{GOOS: "plan9", Executable: "/c", ConfigPath: "/c.json"}, `GOOS "plan9"`},
		{"no executable", Params{GOOS: "linux", ConfigPath: "/c.json"}, "Executable is empty"},
		{"no config", Params{GOOS: "darwin", Executable: "/c"}, "ConfigPath is empty"},
		{"braces", Params{GOOS: "linux", Executable: "/x/{{Path}}/calsync", ConfigPath: "/c.json"}, "template action"},
		{"line break", Params{GOOS: "darwin", Executable: "/c", ConfigPath: "/a\nb.json"}, "line break"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DefinitionFile(tc.p)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("DefinitionFile = %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

// parsePlistDict reads the top-level dict of an XML plist whose values are
// strings, integers (kept as their text), booleans or arrays of strings.
func parsePlistDict(doc string) (map[string]any, error) {
	dec := xml.NewDecoder(strings.NewReader(doc))
	dec.Strict = true
	out := map[string]any{}
	var key string
	var inArray bool
	var array []string
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		se, ok := tok.(xml.StartElement)
		if ok {
			switch se.Name.Local {
			case "key", "string", "integer":
				var text string
				if err := dec.DecodeElement(&text, &se); err != nil {
					return nil, err
				}
				switch {
				case se.Name.Local == "key":
					key = text
				case inArray:
					array = append(array, text)
				default:
					out[key] = text
				}
			case "true", "false":
				out[key] = se.Name.Local == "true"
			case "array":
				inArray, array = true, nil
			case "plist", "dict":
			default:
				return nil, fmt.Errorf("unexpected element <%s>", se.Name.Local)
			}
			continue
		}
		if ee, ok := tok.(xml.EndElement); ok && ee.Name.Local == "array" {
			out[key] = slices.Clone(array)
			inArray = false
		}
	}
}
