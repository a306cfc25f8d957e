package atomicfile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestIsTemp(t *testing.T) {
	tests := []struct {
		name, base string
		want       bool
	}{
		{".config.json.tmp-123456", "config.json", true},
		{".config.json.tmp-0", "config.json", true},
		{".config.json.tmp-", "config.json", false},
		{".config.json.tmp-12a", "config.json", false},
		{".config.json.tmp-notes", "config.json", false},
		{"config.json.tmp-123", "config.json", false},
		{".config.json.bak.tmp-123", "config.json", false},
		{".state.json.tmp-123", "config.json", false},
		{".config.json.tmp-123", "config.json.bak", false},
	}
	for _, tt := range tests {
		if got := IsTemp(tt.name, tt.base); got != tt.want {
			t.Errorf("IsTemp(%q, %q) = %v, want %v", tt.name, tt.base, got, tt.want)
		}
	}
}

// TestWriteFileRemovesAbandonedTemps: temporary files nobody holds (what a
// writer killed mid-save leaves) are removed by the next save of the same
// target; files that only look similar are left alone.
func TestWriteFileRemovesAbandonedTemps(t *testing.T) {
	if !lockedTemps {
		t.Skip("without locks only temporary files older than StaleAfter are litter (TestRemoveByAge)")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	litter := []string{".config.json.tmp-1", ".config.json.tmp-2222222"}
	keep := []string{".config.json.tmp-notes", ".config.json.bak.tmp-7", ".state.json.tmp-9", "config.json.bak"}
	for _, n := range append(slices.Clone(litter), keep...) {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("torn"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := WriteFile(path, []byte("new"), 0o600); err != nil {
		t.Fatalf("WriteFile: %v", err)
	}
	want := append([]string{"config.json"}, keep...)
	slices.Sort(want)
	if names := entries(t, dir); !slices.Equal(names, want) {
		t.Errorf("directory holds %v, want %v", names, want)
	}
}

// TestWriteFileSkipsTempDirectory: only regular files are litter.
func TestWriteFileSkipsTempDirectory(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, ".config.json.tmp-5")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(filepath.Join(dir, "config.json"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(sub); err != nil {
		t.Errorf("a directory with a temporary file's name was touched: %v", err)
	}
}

func TestRemoveByAge(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	old := filepath.Join(dir, ".c.tmp-1")
	fresh := filepath.Join(dir, ".c.tmp-2")
	for _, n := range []string{old, fresh} {
		if err := os.WriteFile(n, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chtimes(old, now.Add(-StaleAfter-time.Second), now.Add(-StaleAfter-time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(fresh, now.Add(-StaleAfter+time.Minute), now.Add(-StaleAfter+time.Minute)); err != nil {
		t.Fatal(err)
	}
	removeByAge(old, now)
	removeByAge(fresh, now)
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("file untouched for longer than StaleAfter kept: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("recent file removed: %v", err)
	}
}

// TestConcurrentWritersNeverRemoveEachOther: saves running at once each
// look for litter while the others write; none may take a live temporary
// file for litter (its rename would then fail), the result is one of the
// versions written, and nothing is left behind.
func TestConcurrentWritersNeverRemoveEachOther(t *testing.T) {
	if !lockedTemps {
		t.Skip("Windows cannot rename over a file another writer holds open")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	const writers, saves = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, writers*saves)
	for w := range writers {
		wg.Go(func() {
			for i := range saves {
				data := bytes.Repeat(fmt.Appendf(nil, "writer %d save %d\n", w, i), 200)
				if err := WriteFile(path, data, 0o600); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent save failed: %v", err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var w, i int
	if _, err := fmt.Sscanf(string(got), "writer %d save %d\n", &w, &i); err != nil {
		t.Fatalf("content is no version written: %.60q", got)
	}
	if want := bytes.Repeat(fmt.Appendf(nil, "writer %d save %d\n", w, i), 200); !bytes.Equal(got, want) {
		t.Errorf("content is torn: %.60q...", got)
	}
	if names := entries(t, dir); !slices.Equal(names, []string{"state.json"}) {
		t.Errorf("directory holds %v, want only state.json", names)
	}
}
