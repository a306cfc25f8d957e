// Package statefile reads and writes calsync's state files (state.json, contacts-state.json):
// versioned JSON caches beside the config, never the source of truth. So a file that cannot be
// understood - corrupt, torn by a tool, written by a newer calsync - is moved aside to .bak with
// a warning and the state starts empty, and saves are atomic and private (0600).
package statefile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"

	"github.com/calsync/calsync/sync/atomicfile"
)

// Load reads the file at path into parse. A missing file is not an error and parse is not
// called. A file parse refuses is moved to path+".bak", a warning naming what and what an empty
// state costs (consequence) is logged, and Load returns nil: the caller starts empty. Only a
// file that exists but cannot be read is an error.
func Load(path, what, consequence string, log *slog.Logger, parse func([]byte) error) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s file: %w", what, err)
	}
	perr := parse(data)
	if perr == nil {
		return nil
	}
	bak := path + ".bak"
	if rerr := os.Rename(path, bak); rerr != nil {
		log.Warn(what+" file unreadable; starting with empty state (could not move it aside)",
			"path", path, "problem", perr.Error(), "renameError", rerr.Error())
	} else {
		log.Warn(what+" file unreadable; moved aside, starting with empty state ("+consequence+")",
			"path", path, "movedTo", bak, "problem", perr.Error())
	}
	return nil
}

// Decode reads exactly one JSON object into v and checks its version against the one this build
// writes: missing, negative or newer is an error saying so.
func Decode(data []byte, v any, version func() int, current int) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("not valid JSON: %w", err)
	}
	if dec.More() {
		return errors.New("data after the JSON object")
	}
	switch n := version(); {
	case n == 0:
		return errors.New("version: missing")
	case n > current:
		return fmt.Errorf("version: %d is newer than this calsync understands (%d)", n, current)
	case n < 0:
		return fmt.Errorf("version: %d is not valid", n)
	}
	return nil
}

// Encode is v as a state file holds it: indented JSON and a final newline.
func Encode(v any) ([]byte, error) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// Write replaces the file at path with data atomically, readable by its owner only.
func Write(path string, data []byte) error { return atomicfile.WriteFile(path, data, 0o600) }
