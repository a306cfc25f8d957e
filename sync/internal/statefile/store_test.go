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

type record struct {
	N int `json:"n"`
}

func recordSpec() Spec[record] {
	return Spec[record]{
		What: "test state", Consequence: "nothing lost", Field: "items", Version: 1,
		Check: func(key string, r record) error {
			if r.N < 0 {
				return errors.New(key + ": n is negative")
			}
			return nil
		},
	}
}

// set stores n under key, reporting a change only when n differs, as the jobs' stores do.
func set(s *Store[record], key string, n int) {
	s.Update(key, func(cur record, had bool) (record, bool) {
		return record{N: n}, !had || cur.N != n
	})
}

func TestStoreRoundTripAndFileShape(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s, err := Open(path, recordSpec(), nil)
	if err != nil {
		t.Fatal(err)
	}
	set(s, "b", 2)
	set(s, "a", 1)
	if !s.Dirty() {
		t.Fatal("a change did not mark the store dirty")
	}
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"version\": 1,\n  \"items\": {\n    \"a\": {\n      \"n\": 1\n    },\n    \"b\": {\n      \"n\": 2\n    }\n  }\n}\n"
	if string(data) != want {
		t.Errorf("file:\n%s\nwant:\n%s", data, want)
	}
	again, err := Open(path, recordSpec(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := again.Get("b"); !ok || r.N != 2 || len(again.All()) != 2 {
		t.Errorf("reloaded: %v %v, %d records", r, ok, len(again.All()))
	}
}

func TestStoreSavesOnlyChanges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s, _ := Open(path, recordSpec(), nil)
	set(s, "a", 1)
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(path)
	set(s, "a", 1) // no change
	if s.Dirty() {
		t.Fatal("an unchanged record marked the store dirty")
	}
	// With the file made read-only, a save that wrote would fail: none may be attempted.
	if err := os.Chmod(filepath.Dir(path), 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(filepath.Dir(path), 0o700) })
	if err := s.Save(); err != nil {
		t.Errorf("a save with nothing to save wrote: %v", err)
	}
	if after, _ := os.Stat(path); !after.ModTime().Equal(info.ModTime()) {
		t.Error("the file was rewritten with nothing changed")
	}
}

func TestStoreSetsAsideWhatItCannotRead(t *testing.T) {
	tests := []struct{ name, content, problem string }{
		{"bad record", `{"version":1,"items":{"k":{"n":-1}}}`, "items: k: n is negative"},
		{"bad shape", `{"version":1,"items":[1]}`, "not valid JSON: items: json: cannot unmarshal array"},
		{"newer", `{"version":9,"items":{}}`, "version: 9 is newer"},
		{"version string", `{"version":"1"}`, "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.json")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			s, err := Open(path, recordSpec(), slog.New(slog.NewTextHandler(&logs, nil)))
			if err != nil || len(s.All()) != 0 {
				t.Fatalf("Open = %v, %d records; want an empty state", err, len(s.All()))
			}
			if _, err := os.Stat(path + ".bak"); err != nil || !strings.Contains(logs.String(), tt.problem) {
				t.Errorf("not moved aside with %q: %v\n%s", tt.problem, err, logs.String())
			}
		})
	}
}

func TestStoreInMemory(t *testing.T) {
	s, err := Open("", recordSpec(), nil)
	if err != nil {
		t.Fatal(err)
	}
	set(s, "a", 1)
	if err := s.Save(); err != nil || s.Path() != "" {
		t.Errorf("in-memory save: %v, path %q", err, s.Path())
	}
}
