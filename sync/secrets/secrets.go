// Package secrets keeps calsync's two credentials, the Entra app client
// secret ("graph") and the OneCloud API token ("onecloud"), in the OS
// keychain and nowhere else: never in the config file, logs, CLI output or
// error messages.
//
// Storage: go-keyring under the service name "calsync" (DefaultService); each
// secret is one item whose keyring "user" key is Name.User():
//
//	graph                           calsync / graph-client-secret   (Entra app client secret)
//	onecloud                        calsync / onecloud-api-token    (OneCloud API token)
//	graph-certificate-key           calsync / graph-certificate-key
//	graph-certificate-key-previous  calsync / graph-certificate-key-previous
//
// That is the Secret Service (GNOME Keyring, KWallet) over D-Bus on Linux,
// the login Keychain on macOS and Credential Manager on Windows (target name
// "calsync:graph-client-secret").
//
// The last two are the certificate credential's private key (PKCS#8 DER in
// base64) and, during a rotation, the key of the certificate being replaced.
// `calsync cert new|import` writes them; they are never typed in, so they
// are not among Names (`calsync secret set` and Status leave them alone) and
// have no environment variable. They live in the same store as the Graph
// secret (for the Windows service, the service's own).
//
// Headless servers without a keychain may supply the values through the
// environment instead: CALSYNC_GRAPH_SECRET and CALSYNC_ONECLOUD_TOKEN. The
// keychain wins when both hold a value, and an unreachable keychain (no
// D-Bus session, no Secret Service) does not hide the environment: Get falls
// back to it and Status still reports the keychain's error.
//
// On Windows the background service runs as LocalSystem, which cannot read an
// administrator's personal Credential Manager; there the service owns the
// store (the GUI hands secrets to it over the local API and the service calls
// Set in its own context). On macOS and Linux the service runs as the user, so
// the user's keychain is the store for both the GUI and the service.
package secrets

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
)

// DefaultService is the keyring service name every calsync secret is stored
// under.
const DefaultService = "calsync"

// Name identifies one of calsync's secrets.
type Name string

// The secrets calsync knows.
const (
	// Graph is the Entra (Azure AD) app registration's client secret, used
	// for the Microsoft Graph client-credentials flow.
	Graph Name = "graph"
	// OneCloud is the OneCloud API token.
	OneCloud Name = "onecloud"
	// GraphCertificateKey is the private key of the Entra app's certificate
	// credential (certcred.Credential.KeySecret: about 1.6 KB for RSA 2048,
	// under Windows Credential Manager's 2560 bytes). Not in Names.
	GraphCertificateKey Name = "graph-certificate-key"
	// GraphCertificateKeyPrevious is the key of the certificate being
	// replaced, kept until the new one has obtained a token. Not in Names.
	GraphCertificateKeyPrevious Name = "graph-certificate-key-previous"
)

// Environment variables that may supply a secret when the keychain has none.
const (
	EnvGraphSecret   = "CALSYNC_GRAPH_SECRET"
	EnvOneCloudToken = "CALSYNC_ONECLOUD_TOKEN"
)

// Names lists every secret in a stable order (the order Status reports).
func Names() []Name { return []Name{Graph, OneCloud} }

// ParseName returns the secret called s (case-insensitive, surrounding
// spaces ignored), or an error listing the valid names. An unknown name is
// not repeated in the error: it may be the secret value itself, typed where
// the name belongs.
func ParseName(s string) (Name, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	for _, n := range Names() {
		if t == string(n) {
			return n, nil
		}
	}
	if t == "" {
		return "", fmt.Errorf("secret name is empty; expected one of: %s", validNames())
	}
	return "", fmt.Errorf("unknown secret name (not repeated here in case it is a secret value); expected one of: %s", validNames())
}

func validNames() string {
	ns := Names()
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = string(n)
	}
	return strings.Join(parts, ", ")
}

// User is the keyring "user" (account) key the secret is stored under.
func (n Name) User() string {
	switch n {
	case Graph:
		return "graph-client-secret"
	case OneCloud:
		return "onecloud-api-token"
	case GraphCertificateKey:
		return "graph-certificate-key"
	case GraphCertificateKeyPrevious:
		return "graph-certificate-key-previous"
	}
	return ""
}

// EnvVar is the environment variable that may supply the secret.
func (n Name) EnvVar() string {
	switch n {
	case Graph:
		return EnvGraphSecret
	case OneCloud:
		return EnvOneCloudToken
	}
	return ""
}

// Description says in words what the secret is, for prompts and status.
func (n Name) Description() string {
	switch n {
	case Graph:
		return "Entra app client secret"
	case OneCloud:
		return "OneCloud API token"
	case GraphCertificateKey:
		return "Entra app certificate private key"
	case GraphCertificateKeyPrevious:
		return "private key of the Entra app certificate being replaced"
	}
	return ""
}

func (n Name) valid() bool { return n.User() != "" }

func (n Name) check() error {
	if !n.valid() {
		return fmt.Errorf("unknown secret name; expected one of: %s", validNames())
	}
	return nil
}

// Source says where a secret's value came from.
type Source string

// Sources. The zero value means the secret is not set anywhere.
const (
	Keychain    Source = "keychain"
	Environment Source = "environment"
)

var (
	// ErrNotFound means the secret is set neither in the keychain nor in its
	// environment variable (for Delete: not in the keychain).
	ErrNotFound = errors.New("secret not set")
	// ErrKeychain marks a failure of the keychain itself (unreachable Secret
	// Service, locked keychain, access denied), as opposed to a missing
	// secret. The backend's error is wrapped alongside it.
	ErrKeychain = errors.New("keychain error")
)

// Backend is the key-value store behind a Store; the default is the OS
// keychain through go-keyring. Get returns an error wrapping ErrNotFound when
// the item does not exist; Delete likewise.
type Backend interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
	Delete(service, user string) error
}

// Options configure a Store. The zero value uses the OS keychain.
type Options struct {
	Service string              // keyring service name; default DefaultService
	Backend Backend             // default: the OS keychain via go-keyring
	Getenv  func(string) string // default os.Getenv
	Logger  *slog.Logger        // nil: discard
}

// Store reads and writes calsync's secrets. It holds no secret values itself
// and is safe for concurrent use if its Backend is.
type Store struct {
	service string
	backend Backend
	getenv  func(string) string
	log     *slog.Logger
	goos    string // size limits are per OS; a field so tests can pick one
}

// New returns a Store configured by opts.
func New(opts Options) *Store {
	s := &Store{
		service: opts.Service,
		backend: opts.Backend,
		getenv:  opts.Getenv,
		log:     opts.Logger,
		goos:    runtime.GOOS,
	}
	if s.service == "" {
		s.service = DefaultService
	}
	if s.backend == nil {
		s.backend = KeyringBackend{}
	}
	if s.getenv == nil {
		s.getenv = os.Getenv
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// Service is the keyring service name the Store uses.
func (s *Store) Service() string { return s.service }

// Get returns the secret's value and where it came from: the keychain first,
// then the secret's environment variable. The error wraps ErrNotFound when
// neither holds it; when the keychain failed and the environment has nothing
// either, it wraps ErrKeychain and the keychain's error.
func (s *Store) Get(ctx context.Context, n Name) (string, Source, error) {
	if err := n.check(); err != nil {
		return "", "", fmt.Errorf("get secret: %w", err)
	}
	value, src, kerr, err := s.lookup(ctx, n)
	if err != nil {
		return "", "", fmt.Errorf("get %s secret: %w", n, err)
	}
	if src != "" {
		return value, src, nil
	}
	if n.EnvVar() == "" {
		// The certificate key: only the keychain holds it, and only cert new/import write it.
		if kerr != nil {
			return "", "", fmt.Errorf("get %s secret: %w", n, kerr)
		}
		return "", "", fmt.Errorf("get %s secret: %w (not in the keychain, service %q); run: calsync cert new (or calsync cert import)",
			n, ErrNotFound, s.service)
	}
	if kerr != nil {
		return "", "", fmt.Errorf("get %s secret: %w (and %s is not set)", n, kerr, n.EnvVar())
	}
	return "", "", fmt.Errorf("get %s secret: %w (neither in the keychain, service %q, nor in %s); run: calsync secret set %s",
		n, ErrNotFound, s.service, n.EnvVar(), n)
}

// lookup finds n's value. kerr is a keychain failure that was bypassed (the
// environment was consulted anyway); err is fatal (the context ended).
func (s *Store) lookup(ctx context.Context, n Name) (value string, src Source, kerr, err error) {
	if err := ctx.Err(); err != nil {
		return "", "", nil, err
	}
	v, gerr := call(ctx, func() (string, error) { return s.backend.Get(s.service, n.User()) })
	switch {
	case gerr == nil && v != "":
		return v, Keychain, nil, nil
	case gerr == nil || errors.Is(gerr, ErrNotFound):
		// Not in the keychain (an empty item counts as absent).
	case ctx.Err() != nil:
		return "", "", nil, ctx.Err()
	default:
		kerr = keychainError("read from keychain", gerr)
		s.log.Debug("keychain unavailable; trying the environment",
			"secret", string(n), "env", n.EnvVar(), "err", kerr)
	}
	if ev := n.EnvVar(); ev != "" {
		if v := strings.TrimSpace(s.getenv(ev)); v != "" {
			return v, Environment, kerr, nil
		}
	}
	return "", "", kerr, nil
}

// Set stores value as the secret n in the keychain, after normalising it:
// one trailing newline (LF or CRLF, as `echo` and terminals add) is dropped,
// then surrounding spaces and tabs. An empty value, one containing control
// characters or invalid UTF-8, or one over MaxSecretBytes for this OS is
// refused before anything is written. Errors never include the value.
//
// If ctx ends while the keychain is being written, Set returns the context's
// error and the write may or may not complete.
func (s *Store) Set(ctx context.Context, n Name, value string) error {
	if err := n.check(); err != nil {
		return fmt.Errorf("set secret: %w", err)
	}
	v, err := NormalizeValue(value, s.goos)
	if err != nil {
		return fmt.Errorf("set %s secret: %w", n, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("set %s secret: %w", n, err)
	}
	_, serr := call(ctx, func() (string, error) { return "", s.backend.Set(s.service, n.User(), v) })
	switch {
	case serr == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("set %s secret: %w (the keychain write may or may not have completed)", n, ctx.Err())
	case errors.Is(serr, ErrTooBig):
		return fmt.Errorf("set %s secret: %w: the keychain refused %d bytes (service %q, user %q)",
			n, ErrTooBig, len(v), s.service, n.User())
	}
	return fmt.Errorf("set %s secret: %w", n, keychainError("write to keychain", redact(serr, value, v)))
}

// Delete removes the secret n from the keychain. The error wraps ErrNotFound
// if the keychain had no such item. The environment is not touched: a value
// supplied there stays visible to Get.
func (s *Store) Delete(ctx context.Context, n Name) error {
	if err := n.check(); err != nil {
		return fmt.Errorf("delete secret: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete %s secret: %w", n, err)
	}
	_, derr := call(ctx, func() (string, error) { return "", s.backend.Delete(s.service, n.User()) })
	switch {
	case derr == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("delete %s secret: %w (the keychain delete may or may not have completed)", n, ctx.Err())
	case errors.Is(derr, ErrNotFound):
		return fmt.Errorf("delete %s secret: %w in the keychain (service %q)", n, ErrNotFound, s.service)
	}
	return fmt.Errorf("delete %s secret: %w", n, keychainError("delete from keychain", derr))
}

// Status describes one secret without its value.
type Status struct {
	Name   Name   `json:"name"`
	Set    bool   `json:"set"`
	Source Source `json:"source,omitempty"` // where Get finds it; empty when not set
	// Err is a keychain failure (or the context's end), reported even when
	// the environment supplies the value, so a headless fallback does not
	// hide a broken keychain.
	Err string `json:"error,omitempty"`
}

// Status reports, for every secret in Names order, whether Get would find it
// and where. It never contains a value.
func (s *Store) Status(ctx context.Context) []Status {
	out := make([]Status, 0, len(Names()))
	for _, n := range Names() {
		st := Status{Name: n}
		_, src, kerr, err := s.lookup(ctx, n)
		switch {
		case err != nil:
			st.Err = err.Error()
		default:
			st.Set = src != ""
			st.Source = src
			if kerr != nil {
				st.Err = kerr.Error()
			}
		}
		out = append(out, st)
	}
	return out
}

// call runs fn, which cannot be cancelled (go-keyring takes no context and a
// Secret Service unlock prompt can block indefinitely), and returns early when
// ctx ends; fn then finishes in the background and its result is dropped.
func call(ctx context.Context, fn func() (string, error)) (string, error) {
	type result struct {
		v   string
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := fn()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// keychainError wraps a backend failure with ErrKeychain.
func keychainError(doing string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrKeychain, doing, err)
}

// redact guards against a backend that echoes what it was given: if err's
// text contains a value, it is replaced by an error with the value cut out
// (and not wrapping the original, whose text would still hold it).
func redact(err error, values ...string) error {
	msg := err.Error()
	leaked := false
	for _, v := range values {
		if v != "" && strings.Contains(msg, v) {
			msg = strings.ReplaceAll(msg, v, "[redacted]")
			leaked = true
		}
	}
	if !leaked {
		return err
	}
	return errors.New(msg)
}
