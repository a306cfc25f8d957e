//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package atomicfile

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// lockedTemps: writers lock their temporary files, and the lock must
// outlive the rename, so the file stays open through it.
const lockedTemps = true

// lockTemp takes a non-blocking exclusive flock on f. A file system without
// locks is no error: the file then stays unlocked and other saves fall back
// to its age.
func lockTemp(f *os.File) error {
	err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB)
	if err != nil && !lockUnsupported(err) {
		return err
	}
	return nil
}

// flock, not fcntl (POSIX) locks: a flock belongs to the open file, so the
// cleaner closing its own descriptor of a live writer's file never drops the
// writer's lock, even in the same process.

// removeIfAbandoned removes the temporary file name if its writer is gone:
// nobody holds its lock. The lock is held while removing, so a writer cannot
// take the file back in between; a writer that locked a file just removed
// sees that its name is gone (stillNamed) and makes another.
func removeIfAbandoned(name string, now time.Time) {
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return
	}
	defer f.Close()
	err = flock(f, syscall.LOCK_EX|syscall.LOCK_NB)
	switch {
	case err == nil:
		_ = os.Remove(name)
	case lockUnsupported(err):
		removeByAge(name, now)
	}
	// Otherwise (EWOULDBLOCK) a live save is writing it.
}

func flock(f *os.File, how int) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var lerr error
	if err := rc.Control(func(fd uintptr) {
		for {
			lerr = syscall.Flock(int(fd), how)
			if !errors.Is(lerr, syscall.EINTR) {
				return
			}
		}
	}); err != nil {
		return err
	}
	return lerr
}

// lockUnsupported tells a file system without flock (some network file
// systems) from a lock held by someone else.
func lockUnsupported(err error) bool {
	return errors.Is(err, syscall.ENOTSUP) || errors.Is(err, syscall.EOPNOTSUPP) ||
		errors.Is(err, syscall.ENOLCK) || errors.Is(err, syscall.EINVAL)
}
