// Package secrets keeps calsync's two credentials, the Entra app client
// secret ("graph") and the OneCloud API token ("onecloud"), in the OS
// keychain and nowhere else: never in the config file, logs, CLI output or
// error messages.
//
// Storage: go-keyring under the instance's service name (InstanceService:
// "calsync", DefaultService, for the default configuration file, and
// "calsync-<12 hex digits>" for any other, so two instances never share an
// entry); each secret is one item whose keyring "user" key is Name.User():
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
// environment instead: CALSYNC_GRAPH_SECRET and CALSYNC_ONECLOUD_TOKEN. A
// variable that is set (not blank) wins and the keychain is not asked at
// all: setting it is a deliberate choice for that process (a server, a cron
// job, a container), and asking a keychain that is not there can hang or
// start processes. Without the variable the keychain is asked, with a short
// deadline (DefaultLookupTimeout); an absent, locked or unreachable keychain
// is ErrKeychain with one plain message naming both remedies. On Linux
// there is no keychain without a D-Bus session bus, and none is started.
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
	"time"
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

// Environment variables that supply a secret instead of the keychain.
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

// Where says in words where the secret n's value comes from, for status
// lines: "stored in the keychain", "from the environment (CALSYNC_GRAPH_SECRET)";
// "" when src is empty.
func (src Source) Where(n Name) string {
	switch src {
	case Environment:
		return "from the environment (" + n.EnvVar() + ")"
	case Keychain:
		return "stored in the keychain"
	}
	return string(src)
}

var (
	// ErrNotFound means the secret is set neither in the keychain nor in its
	// environment variable (for Delete: not in the keychain).
	ErrNotFound = errors.New("secret not set")
	// ErrKeychain marks a failure of the keychain itself (unreachable Secret
	// Service, locked keychain, access denied), as opposed to a missing
	// secret. The backend's error is wrapped alongside it.
	ErrKeychain = errors.New("keychain error")
	// ErrNoSessionBus means there is no D-Bus session bus, so no Secret
	// Service can be asked (Linux and the BSDs; a server, a container,
	// cron or SSH without a desktop session).
	ErrNoSessionBus = errors.New("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set), so there is no Secret Service to ask")
)

// Deadlines for one keychain call. A lookup is short: on a machine without
// a working keychain a D-Bus activation can wait 120 s before it fails. A
// write may wait for a person typing the keychain's password in an unlock
// prompt.
const (
	DefaultLookupTimeout = 5 * time.Second
	DefaultWriteTimeout  = 30 * time.Second
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
	// LookupTimeout bounds one keychain read, WriteTimeout one write or
	// delete; 0 means DefaultLookupTimeout and DefaultWriteTimeout.
	LookupTimeout, WriteTimeout time.Duration
}

// Store reads and writes calsync's secrets. It holds no secret values itself
// and is safe for concurrent use if its Backend is.
type Store struct {
	service string
	backend Backend
	getenv  func(string) string
	log     *slog.Logger
	goos    string // size limits are per OS; a field so tests can pick one

	lookupTimeout, writeTimeout time.Duration
}

// New returns a Store configured by opts.
func New(opts Options) *Store {
	s := &Store{
		service: opts.Service,
		backend: opts.Backend,
		getenv:  opts.Getenv,
		log:     opts.Logger,
		goos:    runtime.GOOS,

		lookupTimeout: opts.LookupTimeout,
		writeTimeout:  opts.WriteTimeout,
	}
	if s.lookupTimeout <= 0 {
		s.lookupTimeout = DefaultLookupTimeout
	}
	if s.writeTimeout <= 0 {
		s.writeTimeout = DefaultWriteTimeout
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

// Get returns the secret's value and where it came from: its environment
// variable when set (the keychain is then not asked), else the keychain.
// The error wraps ErrNotFound when neither holds it; when the keychain is
// not available it wraps ErrKeychain (and the backend's error) and says
// what to do.
func (s *Store) Get(ctx context.Context, n Name) (string, Source, error) {
	if err := n.check(); err != nil {
		return "", "", fmt.Errorf("get secret: %w", err)
	}
	value, src, kerr, err := s.lookup(ctx, n, nil)
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
		return "", "", fmt.Errorf("get %s secret: %w", n, kerr)
	}
	return "", "", fmt.Errorf("get %s secret: %w (neither in %s nor in the keychain, service %q); run: calsync secret set %s",
		n, ErrNotFound, n.EnvVar(), s.service, n)
}

// lookup finds n's value. kerr is the keychain being unavailable (not
// fatal: the secret is just not found there); err is fatal (the context
// ended). A non-nil down is a keychain already found not answering, reused
// rather than waited for again.
func (s *Store) lookup(ctx context.Context, n Name, down *unavailableError) (value string, src Source, kerr *unavailableError, err error) {
	if err := ctx.Err(); err != nil {
		return "", "", nil, err
	}
	if ev := n.EnvVar(); ev != "" {
		if v := strings.TrimSpace(s.getenv(ev)); v != "" {
			return v, Environment, nil, nil
		}
	}
	if down != nil {
		return "", "", &unavailableError{name: n, reason: down.reason, err: down.err}, nil
	}
	v, gerr := call(ctx, s.lookupTimeout, func() (string, error) { return s.backend.Get(s.service, n.User()) })
	switch {
	case gerr == nil && v != "":
		return v, Keychain, nil, nil
	case gerr == nil || errors.Is(gerr, ErrNotFound):
		return "", "", nil, nil // an empty item counts as absent
	case ctx.Err() != nil:
		return "", "", nil, ctx.Err()
	}
	return "", "", s.unavailable(n, "read", gerr), nil
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
	_, serr := call(ctx, s.writeTimeout, func() (string, error) { return "", s.backend.Set(s.service, n.User(), v) })
	switch {
	case serr == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("set %s secret: %w (the keychain write may or may not have completed)", n, ctx.Err())
	case errors.Is(serr, ErrTooBig):
		return fmt.Errorf("set %s secret: %w: the keychain refused %d bytes (service %q, user %q)",
			n, ErrTooBig, len(v), s.service, n.User())
	}
	return fmt.Errorf("set %s secret: %w", n, s.unavailable(n, "write", redact(serr, value, v)))
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
	_, derr := call(ctx, s.writeTimeout, func() (string, error) { return "", s.backend.Delete(s.service, n.User()) })
	switch {
	case derr == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("delete %s secret: %w (the keychain delete may or may not have completed)", n, ctx.Err())
	case errors.Is(derr, ErrNotFound):
		return fmt.Errorf("delete %s secret: %w in the keychain (service %q)", n, ErrNotFound, s.service)
	}
	return fmt.Errorf("delete %s secret: %w", n, s.unavailable(n, "delete", derr))
}

// Status describes one secret without its value.
type Status struct {
	Name Name `json:"name"`
	// Service and Account are the keychain entry the secret is stored in
	// (this instance's service name, InstanceService).
	Service string `json:"service"`
	Account string `json:"account"`
	Set     bool   `json:"set"`
	Source  Source `json:"source,omitempty"` // where Get finds it; empty when not set
	// Err says why the keychain could not be asked (or that the context
	// ended), in one short line; empty when the environment supplies the
	// value, since the keychain is then not asked.
	Err string `json:"error,omitempty"`
}

// Status reports, for every secret in Names order, whether Get would find it
// and where. It never contains a value. A keychain that did not answer for
// one secret is not waited for again for the next.
func (s *Store) Status(ctx context.Context) []Status {
	out := make([]Status, 0, len(Names()))
	var down *unavailableError
	for _, n := range Names() {
		st := Status{Name: n, Service: s.service, Account: n.User()}
		_, src, kerr, err := s.lookup(ctx, n, down)
		switch {
		case err != nil:
			st.Err = err.Error()
		default:
			st.Set = src != ""
			st.Source = src
			if kerr != nil {
				st.Err = kerr.Short()
				if errors.As(kerr.err, new(timeoutError)) {
					down = kerr
				}
			}
		}
		out = append(out, st)
	}
	return out
}

// Remedy says how to supply the secret n when the keychain cannot: store it
// where the keychain works, or set its environment variable; for the
// certificate's keys, which have none, make the certificate where the
// keychain works or use a client secret.
func (n Name) Remedy() string {
	if n.EnvVar() == "" {
		// The certificate's keys: made by cert new/import, never typed in, no variable.
		return "run `calsync cert new` (or `calsync cert import FILE`) in a session where the system keychain works; " +
			"where there is none (servers, cron, SSH), sign in with a client secret instead: " +
			"connector.credential \"secret\" and " + EnvGraphSecret + " in the environment"
	}
	return fmt.Sprintf("run `calsync secret set %s` in a session where the system keychain works, "+
		"or set %s in the environment (servers, cron, SSH)", n, n.EnvVar())
}

// unavailableError is a keychain that is absent, locked or unreachable, in
// words a person can act on. The backend's error stays in the chain (for
// errors.Is and the debug log) but out of the text: raw D-Bus messages
// ("failed to unlock correct collection ...") say nothing to an admin.
type unavailableError struct {
	name   Name
	reason string
	err    error
}

// Short is what happened, without the remedy.
func (e *unavailableError) Short() string {
	return "the system keychain is not available here: " + e.reason
}

func (e *unavailableError) Error() string { return e.Short() + "; " + e.name.Remedy() }

func (e *unavailableError) Unwrap() []error { return []error{ErrKeychain, e.err} }

// unavailable classifies a backend failure while doing ("read", "write",
// "delete") the secret n, and logs the raw error at debug level.
func (s *Store) unavailable(n Name, doing string, err error) *unavailableError {
	s.log.Debug("keychain not available", "secret", string(n), "op", doing, "err", err)
	return &unavailableError{name: n, reason: unavailableReason(err), err: err}
}

func unavailableReason(err error) string {
	var te timeoutError
	switch {
	case errors.Is(err, ErrNoSessionBus):
		return ErrNoSessionBus.Error()
	case errors.As(err, &te):
		return te.Error()
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "unlock") || strings.Contains(msg, "prompt"):
		return "it is locked, and no desktop session is there to ask for its password"
	case strings.Contains(msg, "ServiceUnknown") || strings.Contains(msg, "not provided by any .service files"):
		return "no Secret Service (GNOME Keyring, KWallet) runs on the D-Bus session bus"
	case strings.Contains(msg, "Failed to activate service"):
		return "the Secret Service (GNOME Keyring, KWallet) could not be started on the D-Bus session bus"
	case strings.Contains(msg, "dial ") || strings.Contains(msg, "connect: "):
		return "the D-Bus session bus in DBUS_SESSION_BUS_ADDRESS cannot be reached"
	case strings.Contains(msg, "unsupported platform"):
		return "this system has no keychain calsync can use"
	}
	return "it refused the request or could not be reached (the debug log has the details)"
}

// timeoutError is a keychain call that outlived its deadline.
type timeoutError time.Duration

func (e timeoutError) Error() string {
	return fmt.Sprintf("it did not answer within %s", time.Duration(e))
}

// call runs fn, which cannot be cancelled (go-keyring takes no context and a
// Secret Service unlock prompt can block indefinitely), and returns early when
// ctx ends (its error) or timeout passes (a timeoutError); fn then finishes
// in the background and its result is dropped.
func call(ctx context.Context, timeout time.Duration, fn func() (string, error)) (string, error) {
	type result struct {
		v   string
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := fn()
		done <- result{v, err}
	}()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	case <-deadline.C:
		return "", timeoutError(timeout)
	}
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
