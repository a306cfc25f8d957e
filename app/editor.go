package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/localapi"
)

// configEditor holds the configuration being edited in the window. Screens
// change Draft through Update and listen with OnChange; nothing reaches the
// service until Save, which the service validates with the same code as the
// CLI. A failed save keeps the draft, so nothing the admin typed is lost.
type configEditor struct {
	// Elevate, when set, restarts the GUI as administrator (Windows); the
	// editing screens offer it when the service refuses a change because
	// this user may only read. Set it before building the screens.
	Elevate func() error

	b localapi.Backend

	mu        sync.Mutex
	draft     *config.Config
	saved     []byte // the configuration as last loaded or saved
	listeners []func(*config.Config)
}

// newConfigEditor returns an editor over b; call Load before use.
func newConfigEditor(b localapi.Backend) *configEditor {
	return &configEditor{b: b, draft: config.Default()}
}

// Load reads the service's configuration into the draft, dropping edits.
// Listeners run on the caller's goroutine: call it from the UI goroutine, or
// fetch with the backend elsewhere and hand the bytes to LoadData there.
func (e *configEditor) Load(ctx context.Context) error {
	data, err := e.b.Config(ctx)
	if err != nil {
		return fmt.Errorf("read the configuration from the service: %w", err)
	}
	return e.LoadData(data)
}

// LoadData replaces the draft with the configuration in data (as the
// service's Config returns it), dropping edits.
func (e *configEditor) LoadData(data []byte) error {
	cfg, err := config.Decode(data)
	if err != nil {
		return fmt.Errorf("read the configuration from the service: %w", err)
	}
	e.mu.Lock()
	e.draft, e.saved = cfg, data
	e.mu.Unlock()
	e.notify()
	return nil
}

// Draft returns a copy of the configuration being edited.
func (e *configEditor) Draft() *config.Config {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.draft.Clone()
}

// Update changes the draft and tells the listeners.
func (e *configEditor) Update(fn func(*config.Config)) {
	e.mu.Lock()
	fn(e.draft)
	e.mu.Unlock()
	e.notify()
}

// Dirty reports whether the draft differs from what the service has.
func (e *configEditor) Dirty() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	data, err := config.Marshal(e.draft)
	if err != nil {
		return true
	}
	return !jsonEqual(data, e.saved)
}

// Validate checks the draft with the configuration's own rules; it returns
// the field errors (empty when valid).
func (e *configEditor) Validate() []config.FieldError {
	if err := e.Draft().Validate(); err != nil {
		if ve, ok := err.(config.ValidationErrors); ok {
			return ve
		}
		return []config.FieldError{{Field: "", Message: err.Error()}}
	}
	return nil
}

// Save sends the draft to the service. Field errors from the service come
// back as localapi.FieldErrors(err); the draft stays as it is either way.
func (e *configEditor) Save(ctx context.Context) error {
	e.mu.Lock()
	data, err := config.Marshal(e.draft)
	e.mu.Unlock()
	if err != nil {
		return fmt.Errorf("prepare the configuration: %w", err)
	}
	if err := e.b.PutConfig(ctx, data); err != nil {
		return err
	}
	e.mu.Lock()
	e.saved = data
	e.mu.Unlock()
	e.notify()
	return nil
}

// HandOver writes the unsaved draft to a new temporary file (0600, in the
// user's own temporary directory) for another copy of the GUI to take over,
// and returns its path; "" when nothing is unsaved. The configuration holds
// no secret (they live in the keychain), so the file holds none either.
func (e *configEditor) HandOver() (string, error) {
	if !e.Dirty() {
		return "", nil
	}
	e.mu.Lock()
	data, err := config.Marshal(e.draft)
	e.mu.Unlock()
	if err != nil {
		return "", fmt.Errorf("prepare the unsaved changes: %w", err)
	}
	f, err := os.CreateTemp("", "calsync-draft-*.json")
	if err != nil {
		return "", fmt.Errorf("keep the unsaved changes: %w", err)
	}
	_, werr := f.Write(data)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		_ = os.Remove(f.Name())
		return "", fmt.Errorf("keep the unsaved changes in %s: %w", f.Name(), werr)
	}
	return f.Name(), nil
}

// TakeOver makes the draft in the file at path (written by HandOver in the
// copy of the GUI that started this one) the draft being edited, unsaved,
// and removes the file. Call it after Load: the service's configuration
// stays what Dirty and Revert compare with.
func (e *configEditor) TakeOver(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read the unsaved changes: %w", err)
	}
	cfg, err := config.Decode(data)
	if err != nil {
		return fmt.Errorf("read the unsaved changes in %s: %w", path, err)
	}
	e.mu.Lock()
	e.draft = cfg
	e.mu.Unlock()
	// Taken: a later start must not bring back stale edits.
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("remove %s: %w", path, err)
	}
	e.notify()
	return nil
}

// Revert drops the edits and reloads the service's configuration.
func (e *configEditor) Revert(ctx context.Context) error { return e.Load(ctx) }

// OnChange registers fn, called (on the caller's goroutine) with a copy of
// the draft after every change, load and save.
func (e *configEditor) OnChange(fn func(*config.Config)) {
	e.mu.Lock()
	e.listeners = append(e.listeners, fn)
	e.mu.Unlock()
}

func (e *configEditor) notify() {
	e.mu.Lock()
	ls := append([]func(*config.Config){}, e.listeners...)
	e.mu.Unlock()
	for _, fn := range ls {
		fn(e.Draft())
	}
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}
