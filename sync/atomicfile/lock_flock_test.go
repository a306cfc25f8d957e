//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package atomicfile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestWriteFileKeepsLockedTemp: a temporary file whose writer still holds
// its lock is a save in progress (maybe in another process) and must stay,
// however old it looks; once the lock is gone it is litter.
func TestWriteFileKeepsLockedTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	live := filepath.Join(dir, ".config.json.tmp-42")
	f, err := os.OpenFile(live, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	ancient := time.Now().Add(-24 * time.Hour)
	if err := os.Chtimes(live, ancient, ancient); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("a"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Fatalf("a locked temporary file was removed: %v", err)
	}
	if err := f.Close(); err != nil { // the writer dies: its lock goes
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("b"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(live); !os.IsNotExist(err) {
		t.Errorf("an abandoned temporary file survived the next save: %v", err)
	}
}

// TestCreateLockedTempHoldsLock: the writer's own temporary file cannot be
// locked by anyone else while the save runs.
func TestCreateLockedTempHoldsLock(t *testing.T) {
	dir := t.TempDir()
	tmp, err := createLockedTemp(dir, "config.json")
	if err != nil {
		t.Fatal(err)
	}
	defer tmp.Close()
	other, err := os.Open(tmp.Name())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := flock(other, syscall.LOCK_EX|syscall.LOCK_NB); err == nil {
		t.Fatal("a second open of the temporary file got its lock")
	}
	removeStaleTemps(dir, "config.json", time.Now())
	if !stillNamed(tmp) {
		t.Error("a save in progress had its temporary file removed")
	}
}
