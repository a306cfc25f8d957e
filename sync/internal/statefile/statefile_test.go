package statefile

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type doc struct {
	Version int `json:"version"`
	N       int `json:"n"`
}

func TestLoadAndDecode(t *testing.T) {
	tests := []struct {
		name, content, problem string
		n                      int
	}{
		{"good", `{"version":1,"n":7}`, "", 7},
		{"garbage", "not json", "not valid JSON", 0},
		{"no version", `{"n":1}`, "version: missing", 0},
		{"newer", `{"version":2}`, "newer than this calsync understands (1)", 0},
		{"negative", `{"version":-1}`, "version: -1 is not valid", 0},
		{"two objects", `{"version":1} {}`, "data after the JSON object", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.json")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			var got doc
			err := Load(path, "test state", "nothing lost", slog.New(slog.NewTextHandler(&logs, nil)), func(data []byte) error {
				var d doc
				if err := Decode(data, &d, func() int { return d.Version }, 1); err != nil {
					return err
				}
				got = d
				return nil
			})
			if err != nil || got.N != tt.n {
				t.Fatalf("Load = %v, n %d; want nil, %d", err, got.N, tt.n)
			}
			_, statErr := os.Stat(path + ".bak")
			if tt.problem == "" {
				if !errors.Is(statErr, os.ErrNotExist) || logs.Len() != 0 {
					t.Errorf("a good file was moved aside or warned about: %s", logs.String())
				}
				return
			}
			if statErr != nil || !strings.Contains(logs.String(), tt.problem) || !strings.Contains(logs.String(), "nothing lost") {
				t.Errorf("not moved aside with the problem: %v\n%s", statErr, logs.String())
			}
		})
	}
}

func TestLoadMissingAndWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	called := false
	if err := Load(path, "test state", "", slog.New(slog.DiscardHandler), func([]byte) error { called = true; return nil }); err != nil || called {
		t.Fatalf("missing file: %v, parse called %v", err, called)
	}
	data, err := Encode(doc{Version: 1, N: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(path, data); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("written file: %v, %v", fi, err)
	}
	if got, _ := os.ReadFile(path); string(got) != "{\n  \"version\": 1,\n  \"n\": 2\n}\n" {
		t.Errorf("written %q", got)
	}
}
