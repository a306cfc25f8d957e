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
type KeyringBackend struct{}

// Get reads an item.
func (KeyringBackend) Get(service, user string) (string, error) {
	v, err := keyring.Get(service, user)
	return v, mapKeyringError(err)
}

// Set writes an item, replacing any previous value.
func (KeyringBackend) Set(service, user, password string) error {
	return mapKeyringError(keyring.Set(service, user, password))
}

// Delete removes an item.
func (KeyringBackend) Delete(service, user string) error {
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
