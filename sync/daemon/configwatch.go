package daemon

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io/fs"
	"os"
	"time"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/localapi"
)

// DefaultConfigCheck is how often the daemon looks whether config.json was
// changed by something other than the local API (an admin's editor, a copy
// from another machine, a deployment tool).
const DefaultConfigCheck = 10 * time.Second

// fileStamp is what the daemon last knew of config.json: its size and
// modification time, checked cheaply, and a digest of its content, so that a
// file touched or rewritten with the same bytes restarts nothing.
type fileStamp struct {
	exists bool
	size   int64
	mod    time.Time
	sum    [sha256.Size]byte
}

// readStamp stamps the file at path as it is now; a missing file is a stamp
// of its own.
func readStamp(path string) (fileStamp, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fileStamp{}, nil
	}
	if err != nil {
		return fileStamp{}, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{exists: true, size: fi.Size(), mod: fi.ModTime(), sum: sha256.Sum256(data)}, nil
}

// sameMeta reports whether the file looks unchanged without reading it.
func (s fileStamp) sameMeta(fi fs.FileInfo) bool {
	return s.exists && fi.Size() == s.size && fi.ModTime().Equal(s.mod)
}

// configWatch remembers the stamp of the config file the engine runs with
// and of the last changed file that was refused, so a bad edit is reported
// once, not at every check.
type configWatch struct {
	path    string
	loaded  fileStamp // the file as the running configuration was read from it
	refused fileStamp // the last changed file found invalid
}

// changed looks at the file: it returns a non-nil stamp when the content
// differs from the loaded one (a file that appeared or vanished counts).
func (w *configWatch) changed() (*fileStamp, error) {
	fi, err := os.Stat(w.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if !w.loaded.exists {
			return nil, nil
		}
		return &fileStamp{}, nil
	case err != nil:
		return nil, err
	case w.loaded.sameMeta(fi):
		return nil, nil
	}
	st, err := readStamp(w.path)
	if err != nil {
		return nil, err
	}
	if st.exists == w.loaded.exists && bytes.Equal(st.sum[:], w.loaded.sum[:]) {
		w.loaded = st // only touched: remember the new time, restart nothing
		return nil, nil
	}
	return &st, nil
}

// checkConfigFile reports whether the engine should restart because
// config.json changed on disk. A vanished file does not stop a running sync
// (the next start says it is missing); a changed file that does not decode
// or validate leaves the running sync as it is and is reported once, with
// every field error, in the log and on the event stream.
func (d *Daemon) checkConfigFile() bool {
	d.watchMu.Lock()
	defer d.watchMu.Unlock()
	w := &d.watch
	st, err := w.changed()
	if err != nil {
		d.log.Warn("cannot look at the configuration file", "path", w.path, "err", err.Error())
		return false
	}
	if st == nil {
		return false
	}
	if !st.exists {
		d.log.Warn("the configuration file was removed; the sync goes on with the configuration it has", "path", w.path)
		w.loaded = *st
		return false
	}
	if st.sum == w.refused.sum && w.refused.exists {
		return false
	}
	cfg, err := config.Load(w.path)
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		w.refused = *st
		msg := "the configuration file was changed on disk but is not valid; the sync goes on with the previous configuration: " + err.Error()
		d.log.Error("configuration file changed on disk but not valid; still running the previous one", "path", w.path, "err", err.Error())
		d.hub.publish(localapi.Event{Type: localapi.EventError, Time: d.now(), Message: msg})
		return false
	}
	d.log.Info("the configuration file was changed on disk; restarting the sync with it", "path", w.path)
	return true
}

// stampConfigFile records config.json as it is now as the file the running
// configuration comes from: before each start reads it, and after the local
// API saved it (that save restarts the sync itself).
func (d *Daemon) stampConfigFile() {
	st, err := readStamp(d.opts.ConfigPath)
	if err != nil {
		d.log.Warn("cannot read the configuration file's stamp", "path", d.opts.ConfigPath, "err", err.Error())
	}
	d.watchMu.Lock()
	d.watch.loaded, d.watch.refused = st, fileStamp{}
	d.watchMu.Unlock()
}
