package daemon

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"

	"github.com/calsync/calsync/sync/check"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/localapi"
	"github.com/calsync/calsync/sync/secrets"
	"github.com/calsync/calsync/sync/setup"
)

// SyncNow starts a poll at once, or joins the one running. It fails with
// CodeNotSyncing, saying why, when no engine runs.
func (d *Daemon) SyncNow(context.Context) error {
	g, _, reasons, _ := d.current()
	if g == nil {
		return d.notSyncing(reasons)
	}
	d.log.Info("sync requested through the local API")
	g.sched.SyncNow()
	return nil
}

// Pause stops polling and writing until Resume; the pause outlasts an engine
// restart (not a service restart). It fails with CodeNotSyncing when no
// engine runs.
func (d *Daemon) Pause(context.Context) error { return d.setPaused(true) }

// Resume undoes Pause and polls at once.
func (d *Daemon) Resume(context.Context) error { return d.setPaused(false) }

func (d *Daemon) setPaused(p bool) error {
	d.mu.Lock()
	g, reasons := d.cur, append([]string(nil), d.reasons...)
	if g != nil {
		d.paused = p
	}
	d.mu.Unlock()
	if g == nil {
		return d.notSyncing(reasons)
	}
	if p {
		g.sched.Pause()
	} else {
		g.sched.Resume()
	}
	// The scheduler's paused/resumed event brings a status event too; this
	// one tells the GUI at once.
	d.publishStatus()
	return nil
}

// Config returns the configuration file as it is on disk, or the default
// configuration (config.Default) when there is none yet. It holds no secret:
// secrets never are in the file.
func (d *Daemon) Config(context.Context) ([]byte, error) {
	data, err := os.ReadFile(d.opts.ConfigPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return config.Marshal(config.Default())
	case err != nil:
		return nil, fmt.Errorf("read the configuration file: %w", err)
	}
	return data, nil
}

// PutConfig decodes, validates and atomically saves a configuration (see
// config.Save; a file that could not be decoded is kept as .bak), then
// restarts the engine with it. Every problem comes back at once as a
// *localapi.ValidationError naming its field, and the file is left
// untouched. PutConfig returns once the new engine has been started (or has
// failed to start, which Status then reports), or when ctx ends.
func (d *Daemon) PutConfig(ctx context.Context, data []byte) error {
	cfg, err := config.Decode(data)
	if err != nil {
		return decodeProblems(err)
	}
	if verr := cfg.Validate(); verr != nil {
		return validationProblems(verr)
	}
	d.saveMu.Lock()
	err = config.Save(d.opts.ConfigPath, cfg)
	d.saveMu.Unlock()
	if err != nil {
		if errors.Is(err, config.ErrNewerVersion) {
			return &localapi.APIError{Status: http.StatusConflict, Code: localapi.CodeInvalid, Message: err.Error()}
		}
		return err
	}
	d.log.Info("configuration saved through the local API", "path", d.opts.ConfigPath)
	// The restart below reads it; the file watch must not take it for an
	// edit made elsewhere.
	d.stampConfigFile()
	d.requestRestart(ctx, "the configuration was saved")
	return nil
}

// decodeProblems turns config.Decode's errors into field errors.
func decodeProblems(err error) error {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	ve := &localapi.ValidationError{}
	for _, e := range errs {
		var de *config.DecodeError
		if !errors.As(e, &de) {
			ve.Fields = append(ve.Fields, localapi.FieldError{Message: e.Error()})
			continue
		}
		fe := localapi.FieldError{Field: de.Field, Message: "invalid"}
		if de.Err != nil {
			fe.Message = de.Err.Error()
		}
		switch {
		case errors.Is(de, config.ErrNewerVersion):
			fe.Field = "version"
		case de.Field == "" && de.Line > 0:
			fe.Message = fmt.Sprintf("line %d, column %d: %s", de.Line, de.Column, fe.Message)
		}
		ve.Fields = append(ve.Fields, fe)
	}
	return ve
}

// validationProblems turns config.Validate's errors into field errors.
func validationProblems(err error) error {
	var vs config.ValidationErrors
	if !errors.As(err, &vs) {
		return &localapi.ValidationError{Fields: []localapi.FieldError{{Message: err.Error()}}}
	}
	ve := &localapi.ValidationError{Fields: make([]localapi.FieldError, len(vs))}
	for i, f := range vs {
		ve.Fields[i] = localapi.FieldError{Field: f.Field, Message: f.Message}
	}
	return ve
}

// SetSecret stores a secret ("graph" or "onecloud") in this service's
// secret store, then restarts the engine so that it is used. The value is
// never logged, returned or put in an error.
func (d *Daemon) SetSecret(ctx context.Context, name, value string) error {
	n, err := secrets.ParseName(name)
	if err != nil {
		return &localapi.APIError{Status: http.StatusNotFound, Code: localapi.CodeNotFound, Message: err.Error()}
	}
	if err := d.opts.Secrets.Set(ctx, n, value); err != nil {
		if errors.Is(err, secrets.ErrInvalidValue) || errors.Is(err, secrets.ErrTooBig) {
			return &localapi.ValidationError{Fields: []localapi.FieldError{{Field: "value", Message: err.Error()}}}
		}
		return err
	}
	d.log.Info("secret stored through the local API", "secret", string(n))
	d.dir.invalidate()
	d.requestRestart(ctx, fmt.Sprintf("the %s was replaced", n.Description()))
	return nil
}

// SecretStatus says, for each secret, whether it is set and where, never
// its value.
func (d *Daemon) SecretStatus(ctx context.Context) ([]localapi.SecretState, error) {
	sts := d.opts.Secrets.Status(ctx)
	out := make([]localapi.SecretState, len(sts))
	for i, s := range sts {
		out[i] = localapi.SecretState{Name: string(s.Name), Set: s.Set, Source: string(s.Source), Error: s.Err,
			Service: s.Service, Account: s.Account}
	}
	return out, nil
}

// TestConnection runs the set-up diagnosis of `calsync check` on the
// configuration file and the stored secrets.
func (d *Daemon) TestConnection(ctx context.Context) ([]localapi.CheckStep, error) {
	cfg, cfgErr := d.loadConfig()
	if errors.Is(cfgErr, fs.ErrNotExist) {
		cfgErr = nil // check reports "there is no configuration yet"
	}
	steps := check.Run(ctx, setup.CheckDeps(ctx, cfg, cfgErr, d.setupOptions()))
	out := make([]localapi.CheckStep, len(steps))
	for i, s := range steps {
		out[i] = localapi.CheckStep{Name: s.Name, OK: s.OK, Detail: s.Detail, Remedy: s.Remedy}
	}
	return out, nil
}

// Logs returns up to n of the service log's last lines, oldest first.
func (d *Daemon) Logs(_ context.Context, n int) ([]string, error) {
	if d.opts.LogFile == nil {
		return nil, &localapi.APIError{Status: http.StatusNotFound, Code: localapi.CodeNotFound,
			Message: "this calsync keeps no log file (it logs to the terminal only)"}
	}
	lines, err := d.opts.LogFile.Tail(n)
	if err != nil {
		return nil, fmt.Errorf("read the log: %w", err)
	}
	return lines, nil
}
