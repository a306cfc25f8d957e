//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package atomicfile

import (
	"os"
	"time"
)

// lockedTemps: no locks here; and Windows cannot rename a file the process
// holds open, so it is closed before the rename.
const lockedTemps = false

// lockTemp does nothing: there is no advisory lock to take here.
func lockTemp(*os.File) error { return nil }

// removeIfAbandoned goes by age alone. On Windows a file another process
// still holds open cannot be removed anyway.
func removeIfAbandoned(name string, now time.Time) { removeByAge(name, now) }
