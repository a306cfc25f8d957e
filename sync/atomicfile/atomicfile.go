// Package atomicfile replaces a file so that a reader, a crash or a power
// cut sees either the old content or the new one, never a torn mix: the data
// goes to a temporary file in the same directory, is flushed to disk, and is
// renamed over the target.
//
// A process killed in the middle of a save leaves its temporary file behind
// (nothing can remove it). Each save therefore first removes the temporary
// files of earlier saves of the same target whose writer is gone: on Unix a
// writer holds an advisory lock (flock) on its temporary file until the
// rename is done, so a file that can be locked belongs to nobody; elsewhere,
// or where the file system has no locks, a temporary file untouched for
// StaleAfter is taken as abandoned. Litter is thus bounded by one file per
// writer killed since the last save.
package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// StaleAfter is how long a temporary file must have been left untouched
// before a save removes it, where its writer cannot be asked through a lock
// (Windows, file systems without flock). No save takes that long.
const StaleAfter = 10 * time.Minute

// tempPrefix is the start of the name of every temporary file of target
// base; os.CreateTemp appends a decimal random number.
func tempPrefix(base string) string { return "." + base + ".tmp-" }

// IsTemp reports whether name (a base name) is one of the temporary files
// that a save of target base creates, so tests and tools can tell litter.
func IsTemp(name, base string) bool {
	rest, ok := strings.CutPrefix(name, tempPrefix(base))
	if !ok || rest == "" {
		return false
	}
	for _, r := range rest {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// WriteFile atomically replaces path with data and gives it the permissions
// perm (calsync uses 0600). If path is a symbolic link, the file it points to
// is replaced and the link is kept. On any error the target is left as it
// was and no temporary file is left behind. Temporary files that killed
// writers left for the same target are removed first (see the package doc).
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return writeFile(path, data, perm, fileOps{})
}

// fileOps lets tests make single steps fail; nil fields use the real call.
type fileOps struct {
	write  func(f *os.File, data []byte) error
	sync   func(f *os.File) error
	rename func(oldpath, newpath string) error
}

func writeFile(path string, data []byte, perm os.FileMode, ops fileOps) (err error) {
	// Write through a symlink to its target, so an admin's link to a config
	// kept elsewhere survives the save instead of being replaced by a file.
	if resolved, rerr := filepath.EvalSymlinks(path); rerr == nil {
		path = resolved
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}

	removeStaleTemps(dir, base, time.Now())

	// The temporary file must be in the same directory: a rename is atomic
	// only within one file system. os.CreateTemp makes it 0600 from the
	// start, so the data is never readable by others, even briefly.
	tmp, err := createLockedTemp(dir, base)
	if err != nil {
		return fmt.Errorf("create temporary file for %s: %w", path, err)
	}
	tmpName := tmp.Name()
	closed := false
	defer func() {
		if err != nil {
			if !closed {
				_ = tmp.Close()
			}
			_ = os.Remove(tmpName)
		}
	}()

	write := ops.write
	if write == nil {
		write = func(f *os.File, b []byte) error { _, werr := f.Write(b); return werr }
	}
	if err = write(tmp, data); err != nil {
		return fmt.Errorf("write %s: %w", tmpName, err)
	}
	if err = tmp.Chmod(perm); err != nil {
		return fmt.Errorf("set permissions of %s: %w", tmpName, err)
	}
	syncFile := ops.sync
	if syncFile == nil {
		syncFile = (*os.File).Sync
	}
	if err = syncFile(tmp); err != nil {
		return fmt.Errorf("flush %s to disk: %w", tmpName, err)
	}
	// Where the temporary file is locked, the lock (and so the file) stays
	// held through the rename, so that no other save takes it for litter in
	// between. Windows cannot rename a file this process holds open.
	if !lockedTemps {
		closed = true
		if err = tmp.Close(); err != nil {
			return fmt.Errorf("close %s: %w", tmpName, err)
		}
	}
	rename := ops.rename
	if rename == nil {
		rename = os.Rename
	}
	if err = rename(tmpName, path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	if !closed {
		closed = true
		// The data is already flushed and in place: a failed close changes
		// nothing on disk, so it does not make the save fail.
		_ = tmp.Close()
	}
	// From here on the new content is in place; only its durability across a
	// power cut depends on the directory entry reaching the disk.
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("flush directory %s to disk: %w", dir, err)
	}
	return nil
}

// syncDir makes a rename in dir durable. Windows cannot open a directory
// for syncing (and NTFS journals the rename), so it is skipped there; file
// systems that do not support syncing a directory report EINVAL, which is
// not a failure of the save.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, syscall.EINVAL) {
		return nil
	}
	return err
}

// createLockedTemp creates the temporary file for base in dir and, where the
// platform has advisory locks, locks it. A save that looked for litter
// between the create and the lock could have removed the new file; then its
// name no longer leads to the open file, and another one is made.
func createLockedTemp(dir, base string) (*os.File, error) {
	var lastErr error
	for range 5 {
		tmp, err := os.CreateTemp(dir, tempPrefix(base)+"*")
		if err != nil {
			return nil, err
		}
		if lerr := lockTemp(tmp); lerr != nil {
			// Locked by another save that is removing it as litter, or
			// the lock failed oddly: try a fresh name.
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
			lastErr = lerr
			continue
		}
		if stillNamed(tmp) {
			return tmp, nil
		}
		_ = tmp.Close()
		lastErr = errors.New("removed by another save while being created")
	}
	return nil, fmt.Errorf("no usable temporary file in %s: %w", dir, lastErr)
}

// stillNamed reports whether f's name still leads to f.
func stillNamed(f *os.File) bool {
	open, err := f.Stat()
	if err != nil {
		return false
	}
	named, err := os.Lstat(f.Name())
	return err == nil && os.SameFile(open, named)
}

// removeStaleTemps removes, best effort, the temporary files of earlier
// saves of base in dir whose writers are gone. Errors are ignored: litter
// must never make a save fail.
func removeStaleTemps(dir, base string, now time.Time) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, de := range des {
		if !de.Type().IsRegular() || !IsTemp(de.Name(), base) {
			continue
		}
		removeIfAbandoned(filepath.Join(dir, de.Name()), now)
	}
}

// removeByAge removes name if it has not been modified for StaleAfter: the
// rule where a writer cannot be asked through a lock.
func removeByAge(name string, now time.Time) {
	fi, err := os.Lstat(name)
	if err != nil || !fi.Mode().IsRegular() {
		return
	}
	if now.Sub(fi.ModTime()) >= StaleAfter {
		_ = os.Remove(name)
	}
}
