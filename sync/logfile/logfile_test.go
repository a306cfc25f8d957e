package logfile

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestOpenRejectsBadArguments(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name     string
		path     string
		maxBytes int64
		keep     int
		want     string
	}{
		{"empty path", "", 10, 1, "path is empty"},
		{"zero size", filepath.Join(dir, "a.log"), 0, 1, "maxBytes is 0"},
		{"negative size", filepath.Join(dir, "a.log"), -5, 1, "maxBytes is -5"},
		{"negative keep", filepath.Join(dir, "a.log"), 10, -1, "keep is -1"},
		{"missing directory", filepath.Join(dir, "nope", "a.log"), 10, 1, "open log file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Open(tc.path, tc.maxBytes, tc.keep)
			if err == nil {
				f.Close()
				t.Fatal("Open succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

// TestRotation writes fixed-size lines and checks how many files exist, what
// each holds and that none passes the cap.
func TestRotation(t *testing.T) {
	const line = "0123456789\n" // 11 bytes
	tests := []struct {
		name      string
		maxBytes  int64
		keep      int
		lines     int
		wantFiles []string // suffixes that must exist, newest first
		wantLines []int    // lines per file, same order
	}{
		{"no rotation yet", 33, 2, 3, []string{""}, []int{3}},
		{"one rotation", 33, 2, 4, []string{"", ".1"}, []int{1, 3}},
		{"keep caps the copies", 33, 2, 20, []string{"", ".1", ".2"}, []int{2, 3, 3}},
		{"keep zero starts afresh", 33, 0, 7, []string{""}, []int{1}},
		{"cap below one line", 5, 1, 3, []string{"", ".1"}, []int{1, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "calsync.log")
			f, err := Open(path, tc.maxBytes, tc.keep)
			if err != nil {
				t.Fatal(err)
			}
			for range tc.lines {
				if n, err := f.Write([]byte(line)); err != nil || n != len(line) {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range entries {
				got = append(got, strings.TrimPrefix(e.Name(), "calsync.log"))
			}
			want := slices.Clone(tc.wantFiles)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("files %q, want %q", got, want)
			}
			for i, suffix := range tc.wantFiles {
				b, err := os.ReadFile(path + suffix)
				if err != nil {
					t.Fatal(err)
				}
				if n := strings.Count(string(b), line); n != tc.wantLines[i] || len(b) != n*len(line) {
					t.Errorf("calsync.log%s holds %d bytes (%d whole lines), want %d lines", suffix, len(b), n, tc.wantLines[i])
				}
				if int64(len(b)) > max(tc.maxBytes, int64(len(line))) {
					t.Errorf("calsync.log%s is %d bytes, over the cap %d", suffix, len(b), tc.maxBytes)
				}
			}
		})
	}
}

func TestRotationKeepsNewestInOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "calsync.log")
	f, err := Open(path, 20, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i := range 10 {
		fmt.Fprintf(f, "line %02d\n", i) // 8 bytes: two per file
	}
	for suffix, want := range map[string]string{
		"":   "line 08\nline 09\n",
		".1": "line 06\nline 07\n",
		".2": "line 04\nline 05\n",
		".3": "line 02\nline 03\n",
	} {
		b, err := os.ReadFile(path + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != want {
			t.Errorf("calsync.log%s = %q, want %q", suffix, b, want)
		}
	}
}

func TestAppendsToExistingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "calsync.log")
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path, 1<<20, 1)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("new\n"))
	f.Close()
	b, _ := os.ReadFile(path)
	if string(b) != "old\nnew\n" {
		t.Errorf("content %q, want the old line kept and the new appended", b)
	}
}

func TestPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows protects the log with the directory's ACL, not mode bits")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "calsync.log")
	// A file left wide open by hand is narrowed on open.
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path, 16, 2)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		f.Write([]byte("0123456789\n"))
	}
	f.Close()
	for _, suffix := range []string{"", ".1", ".2"} {
		st, err := os.Stat(path + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("calsync.log%s has mode %v, want 0600", suffix, st.Mode().Perm())
		}
	}
}

// TestConcurrentWrites checks that lines written from many goroutines all
// arrive, whole, across rotations.
func TestConcurrentWrites(t *testing.T) {
	const writers, perWriter = 8, 200
	path := filepath.Join(t.TempDir(), "calsync.log")
	// keep is large enough that nothing is dropped, so every line is countable.
	f, err := Open(path, 1000, 100)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				if _, err := fmt.Fprintf(f, "writer=%d line=%03d end\n", w, i); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	files, _ := filepath.Glob(path + "*")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 1000 {
			t.Errorf("%s is %d bytes, over the cap", name, len(b))
		}
		for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			var w, i int
			if _, err := fmt.Sscanf(l, "writer=%d line=%d end", &w, &i); err != nil {
				t.Fatalf("torn line %q in %s", l, name)
			}
			if seen[l] {
				t.Errorf("line %q written twice", l)
			}
			seen[l] = true
		}
	}
	if len(seen) != writers*perWriter {
		t.Errorf("found %d distinct lines, want %d", len(seen), writers*perWriter)
	}
}

func TestTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "calsync.log")
	f, err := Open(path, 30, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, err := f.Tail(5); err != nil || len(got) != 0 {
		t.Fatalf("Tail of an empty log = %q, %v; want nothing", got, err)
	}
	for i := range 9 {
		fmt.Fprintf(f, "line %d\n", i) // 7 bytes: four per 30-byte file
	}
	// Files now: .2 holds lines 0-3, .1 lines 4-7, the current file line 8.
	tests := []struct {
		n    int
		want []string
	}{
		{0, nil},
		{1, []string{"line 8"}},
		{3, []string{"line 6", "line 7", "line 8"}},
		{9, []string{"line 0", "line 1", "line 2", "line 3", "line 4", "line 5", "line 6", "line 7", "line 8"}},
		{50, []string{"line 0", "line 1", "line 2", "line 3", "line 4", "line 5", "line 6", "line 7", "line 8"}},
	}
	for _, tc := range tests {
		got, err := f.Tail(tc.n)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Tail(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
	if _, err := f.Tail(-1); err == nil || !strings.Contains(err.Error(), "n is -1") {
		t.Errorf("Tail(-1) error = %v, want one naming n", err)
	}
}

// TestTailLongFile reads a file larger than one backwards chunk, with a line
// that straddles a chunk boundary and no final newline.
func TestTailLongFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "calsync.log")
	var b strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&b, "entry %05d %s\n", i, strings.Repeat("x", i%40))
	}
	b.WriteString("partial")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path, 1<<30, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := f.Tail(3000)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3000 || got[2999] != "partial" {
		t.Fatalf("got %d lines ending %q, want 3000 ending \"partial\"", len(got), got[len(got)-1])
	}
	for j, l := range got[:2999] {
		i := 2001 + j
		if want := fmt.Sprintf("entry %05d %s", i, strings.Repeat("x", i%40)); l != want {
			t.Fatalf("line %d = %q, want %q", j, l, want)
		}
	}
}

func TestWriteAfterClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "calsync.log")
	f, err := Open(path, 100, 1)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("kept\n"))
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	if _, err := f.Write([]byte("x\n")); err == nil || !strings.Contains(err.Error(), fs.ErrClosed.Error()) {
		t.Errorf("Write after Close = %v, want a closed-file error", err)
	}
	if got, err := f.Tail(1); err != nil || !slices.Equal(got, []string{"kept"}) {
		t.Errorf("Tail after Close = %q, %v", got, err)
	}
}

// BenchmarkWrite measures a typical log line, rotations included.
func BenchmarkWrite(b *testing.B) {
	f, err := Open(filepath.Join(b.TempDir(), "calsync.log"), 10<<20, 3)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	line := []byte(`time=2025-01-01T09:00:00.000Z level=INFO msg="presence set" user=alice@contoso.com activity=meeting` + "\n")
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if _, err := f.Write(line); err != nil {
			b.Fatal(err)
		}
	}
}
