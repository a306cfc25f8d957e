package daemon

import (
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

// fileStamp is what the daemon last knew of config.json: whether it existed
// and a digest of its content. The content is read at every check (a few KB
// every 10 s): size and modification time could miss a same-size edit within
// a coarse file system's time resolution, and a touch must restart nothing.
type fileStamp struct {
	exists bool
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
	return fileStamp{exists: true, sum: sha256.Sum256(data)}, nil
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
	st, err := readStamp(w.path)
	if err != nil {
		return nil, err
	}
	if st == w.loaded {
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
	if *st == w.refused {
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
		d.hub.Publish(localapi.Event{Type: localapi.EventError, Time: d.now(), Message: msg})
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
