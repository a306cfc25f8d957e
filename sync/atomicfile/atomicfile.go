// Package atomicfile replaces a file so that a reader, a crash or a power
// cut sees either the old content or the new one, never a torn mix: the data
// goes to a temporary file in the same directory, is flushed to disk, and is
// renamed over the target.
package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
)

// WriteFile atomically replaces path with data and gives it the permissions
// perm (calsync uses 0600). If path is a symbolic link, the file it points to
// is replaced and the link is kept. On any error the target is left as it
// was and no temporary file is left behind.
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

	// The temporary file must be in the same directory: a rename is atomic
	// only within one file system. os.CreateTemp makes it 0600 from the
	// start, so the data is never readable by others, even briefly.
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("create temporary file for %s: %w", path, err)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			_ = tmp.Close() // may already be closed; the error is irrelevant then
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
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmpName, err)
	}
	rename := ops.rename
	if rename == nil {
		rename = os.Rename
	}
	if err = rename(tmpName, path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
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
