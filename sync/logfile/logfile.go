// Package logfile is calsync's size-capped, rotating log file: before a write
// would make calsync.log larger than its cap, the file is renamed to
// calsync.log.1 (older copies shift up to calsync.log.<keep>, the oldest is
// dropped) and a fresh file is started, so the log never takes more than about
// (keep+1) × maxBytes of disk. Files are created 0600 because the log names
// mailboxes. A File is an io.Writer safe for concurrent use; Tail serves the
// GUI's log view.
package logfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

// perm is the mode of every log file: the log names mailboxes and rules, which
// other local users have no business reading.
const perm fs.FileMode = 0o600

// tailChunk is how much Tail reads at a time, backwards from the end of a file.
const tailChunk = 32 << 10

// File is a rotating log file. The zero value is not usable; call Open.
type File struct {
	path     string
	maxBytes int64
	keep     int

	mu     sync.Mutex
	f      *os.File // nil after a failed reopen; the next Write tries again
	size   int64
	closed bool
}

// Open opens (or creates, mode 0600) the log file at path for appending.
// maxBytes caps the size of one file; keep is how many rotated copies
// (path.1 … path.keep) are kept, 0 meaning the file is simply started afresh.
func Open(path string, maxBytes int64, keep int) (*File, error) {
	switch {
	case path == "":
		return nil, errors.New("open log file: path is empty")
	case maxBytes <= 0:
		return nil, fmt.Errorf("open log file %s: maxBytes is %d, want a positive size in bytes", path, maxBytes)
	case keep < 0:
		return nil, fmt.Errorf("open log file %s: keep is %d, want 0 or more rotated copies", path, keep)
	}
	l := &File{path: path, maxBytes: maxBytes, keep: keep}
	if err := l.reopen(false); err != nil {
		return nil, err
	}
	return l, nil
}

// Path is the path of the current log file.
func (l *File) Path() string { return l.path }

// Write appends p to the log, rotating first when p would take the file past
// its cap. A single write is never split across files, so a log line stays
// whole; a write larger than the cap goes alone into a fresh file.
func (l *File) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, fmt.Errorf("write log file %s: %w", l.path, os.ErrClosed)
	}
	var rotateErr error
	if l.f == nil {
		if err := l.reopen(false); err != nil {
			return 0, err
		}
	}
	if l.size > 0 && l.size+int64(len(p)) > l.maxBytes {
		rotateErr = l.rotate()
		if l.f == nil {
			return 0, rotateErr
		}
	}
	n, err := l.f.Write(p)
	l.size += int64(n)
	if err != nil {
		return n, errors.Join(rotateErr, fmt.Errorf("write log file %s: %w", l.path, err))
	}
	// A failed rotation still wrote the record (to the old file): report the
	// rotation problem but the bytes were not lost.
	return n, rotateErr
}

// Close closes the file. Writes after Close fail; Tail still works.
func (l *File) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	if err != nil {
		return fmt.Errorf("close log file %s: %w", l.path, err)
	}
	return nil
}

// Tail returns up to the n most recent lines of the log, oldest first, without
// their line endings. It reaches into the rotated copies when the current file
// has fewer than n lines (just after a rotation, say).
func (l *File) Tail(n int) ([]string, error) {
	if n < 0 {
		return nil, fmt.Errorf("tail log file %s: n is %d, want 0 or more lines", l.path, n)
	}
	// Holding the lock keeps a rotation from renaming files under the reader.
	l.mu.Lock()
	defer l.mu.Unlock()
	var lines []string
	for i := 0; i <= l.keep && len(lines) < n; i++ {
		older, err := lastLines(l.name(i), n-len(lines))
		if err != nil {
			return nil, err
		}
		lines = append(older, lines...)
	}
	return lines, nil
}

// name is the path of copy i: the current file for 0, path.i otherwise.
func (l *File) name(i int) string {
	if i == 0 {
		return l.path
	}
	return l.path + "." + strconv.Itoa(i)
}

// reopen opens the current file for appending (truncating it if asked) and
// records its size.
func (l *File) reopen(truncate bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_APPEND
	if truncate {
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(l.path, flags, perm)
	if err != nil {
		return fmt.Errorf("open log file %s: %w", l.path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("stat log file %s: %w", l.path, err)
	}
	// A file left by an older version or created by hand may be wider open;
	// Windows has no mode bits to fix (the directory's ACL applies there).
	if runtime.GOOS != "windows" && st.Mode().Perm() != perm {
		if err := f.Chmod(perm); err != nil {
			f.Close()
			return fmt.Errorf("restrict log file %s to its owner: %w", l.path, err)
		}
	}
	l.f, l.size = f, st.Size()
	return nil
}

// rotate shifts path.(keep-1) → path.keep … path → path.1 and starts a new
// file. If a rename fails (on Windows another program may hold a copy open),
// logging carries on in the old file and the next write tries again.
func (l *File) rotate() error {
	closeErr := l.f.Close()
	l.f = nil
	var renameErr error
	for i := l.keep; i >= 1 && renameErr == nil; i-- {
		err := os.Rename(l.name(i-1), l.name(i))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			renameErr = fmt.Errorf("rotate log file %s: %w", l.path, err)
		}
	}
	if closeErr != nil {
		closeErr = fmt.Errorf("rotate log file %s: close: %w", l.path, closeErr)
	}
	// keep == 0 has nothing to rename: the file starts afresh. After a failed
	// rename the current file keeps its content.
	err := l.reopen(renameErr == nil)
	return errors.Join(closeErr, renameErr, err)
}

// lastLines returns the last n complete lines of the file at name, oldest
// first; a missing file has none. It reads backwards in chunks, so the cost
// follows n, not the file size.
func lastLines(name string, n int) ([]string, error) {
	if n == 0 {
		return nil, nil
	}
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("tail log file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("tail log file %s: %w", name, err)
	}
	end := st.Size()
	var buf []byte // the end of the file read so far
	for end > 0 {
		// n complete lines need n line breaks before the final (unterminated
		// or trailing-newline) line end.
		if bytes.Count(bytes.TrimSuffix(buf, []byte("\n")), []byte("\n")) >= n {
			break
		}
		start := max(0, end-tailChunk)
		chunk := make([]byte, end-start)
		if _, err := f.ReadAt(chunk, start); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("tail log file %s: %w", name, err)
		}
		buf = append(chunk, buf...)
		end = start
	}
	text := strings.TrimSuffix(string(buf), "\n")
	if text == "" {
		return nil, nil
	}
	lines := strings.Split(text, "\n")
	if end > 0 {
		lines = lines[1:] // the first one starts before what was read
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, s := range lines {
		lines[i] = strings.TrimSuffix(s, "\r")
	}
	return lines, nil
}
