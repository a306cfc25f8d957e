package secrets

import (
	"errors"
	"fmt"
	"sync"

	"github.com/zalando/go-keyring"
)

// KeyringBackend is the OS keychain through github.com/zalando/go-keyring
// (Secret Service on Linux, Keychain on macOS, Credential Manager on Windows).
// It maps go-keyring's ErrNotFound to ErrNotFound and ErrSetDataTooBig to
// ErrTooBig, so callers need not import go-keyring.
//
// Before every call it asks Reachable whether the keychain can be asked
// without side effects: on Linux go-keyring connects through godbus, which
// starts a session bus of its own (dbus-launch, never stopped) when there
// is none, so without a bus the answer is "not available here" at once.
type KeyringBackend struct {
	// Reachable returns nil when the keychain may be asked; nil means the
	// OS's own check (on Linux and the BSDs: a D-Bus session bus exists).
	// Tests that put go-keyring's mock in place set one that returns nil.
	Reachable func() error
}

func (b KeyringBackend) reachable() error {
	if b.Reachable != nil {
		return b.Reachable()
	}
	return keychainReachable()
}

// Get reads an item.
func (b KeyringBackend) Get(service, user string) (string, error) {
	if err := b.reachable(); err != nil {
		return "", err
	}
	v, err := keyring.Get(service, user)
	return v, mapKeyringError(err)
}

// Set writes an item, replacing any previous value.
func (b KeyringBackend) Set(service, user, password string) error {
	if err := b.reachable(); err != nil {
		return err
	}
	return mapKeyringError(keyring.Set(service, user, password))
}

// Delete removes an item.
func (b KeyringBackend) Delete(service, user string) error {
	if err := b.reachable(); err != nil {
		return err
	}
	return mapKeyringError(keyring.Delete(service, user))
}

func mapKeyringError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, keyring.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return ErrTooBig
	}
	return err
}

// Memory is an in-memory Backend for demos and tests; safe for concurrent
// use. The zero value is empty and ready.
type Memory struct {
	mu    sync.Mutex
	items map[string]string
}

func memoryKey(service, user string) string { return service + "\x00" + user }

// Get reads an item.
func (m *Memory) Get(service, user string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.items[memoryKey(service, user)]
	if !ok {
		return "", fmt.Errorf("memory keyring: %w", ErrNotFound)
	}
	return v, nil
}

// Set writes an item.
func (m *Memory) Set(service, user, password string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.items == nil {
		m.items = make(map[string]string)
	}
	m.items[memoryKey(service, user)] = password
	return nil
}

// Delete removes an item.
func (m *Memory) Delete(service, user string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := memoryKey(service, user)
	if _, ok := m.items[k]; !ok {
		return fmt.Errorf("memory keyring: %w", ErrNotFound)
	}
	delete(m.items, k)
	return nil
}
