// Package certstore keeps the certificate credential where calsync keeps
// it: the private key in the OS keychain (sync/secrets, beside the Graph
// secret) and the public certificate in the config directory
// (calsync-graph.cer), so its thumbprint and expiry can be shown without
// the keychain. It also rotates the credential without a moment without
// one: a new certificate is installed beside the one in use, which keeps
// working until the new one has obtained a token (Select, Confirm).
package certstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/calsync/calsync/sync/atomicfile"
	"github.com/calsync/calsync/sync/certcred"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/graph"
	"github.com/calsync/calsync/sync/secrets"
)

// PreviousFileName is the certificate being replaced during a rotation,
// next to CertificateFileName.
const PreviousFileName = "calsync-graph-previous.cer"

// ErrNone means no certificate credential is installed.
var ErrNone = errors.New("no certificate credential installed")

// Keys is the part of *secrets.Store the credential needs.
type Keys interface {
	Get(ctx context.Context, n secrets.Name) (string, secrets.Source, error)
	Set(ctx context.Context, n secrets.Name, value string) error
	Delete(ctx context.Context, n secrets.Name) error
}

// Store is the installed certificate credential of one config directory.
// It holds no key itself.
type Store struct {
	keys Keys
	dir  string
	log  *slog.Logger
}

// New returns the Store for the config directory dir (the directory of
// config.json) whose keys are in keys. A nil log discards.
func New(keys Keys, dir string, log *slog.Logger) *Store {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Store{keys: keys, dir: dir, log: log}
}

// CertificatePath is the certificate in use (or being introduced): the file
// to upload to Entra ID.
func (s *Store) CertificatePath() string { return filepath.Join(s.dir, config.CertificateFileName) }

// PreviousPath is the certificate being replaced, present only during a rotation.
func (s *Store) PreviousPath() string { return filepath.Join(s.dir, PreviousFileName) }

// Install makes cred the current credential. When one is installed and no
// rotation is under way, it becomes the previous one and keeps being used
// until the new one works (Select); when a rotation is under way, the
// unconfirmed new one is replaced and the previous one stays.
//
// Keys are written before files, and a failure puts back what was there,
// so the file never names a certificate whose key is missing.
func (s *Store) Install(ctx context.Context, cred *certcred.Credential) error {
	if _, err := cred.KeySecret(); err != nil {
		return fmt.Errorf("install certificate: %w", err)
	}
	cur, prev, err := s.Load(ctx)
	switch {
	case errors.Is(err, ErrNone):
	case errors.Is(err, secrets.ErrKeychain) || ctx.Err() != nil:
		// The keychain cannot be read now: replacing blind could lose the credential in use.
		return fmt.Errorf("install certificate: %w", err)
	case err != nil:
		// A damaged current credential is replaced outright; it worked for nobody.
		s.log.Warn("the installed certificate credential is unreadable; replacing it", "err", err)
		cur, prev = nil, nil
	}
	if cur != nil && prev == nil && cur.Thumbprint() != cred.Thumbprint() {
		if err := s.put(ctx, secrets.GraphCertificateKeyPrevious, s.PreviousPath(), cur); err != nil {
			return fmt.Errorf("install certificate: keep the one in use: %w", err)
		}
	}
	if err := s.put(ctx, secrets.GraphCertificateKey, s.CertificatePath(), cred); err != nil {
		if cur != nil {
			// Put the one in use back in the current slot.
			if rerr := s.put(ctx, secrets.GraphCertificateKey, s.CertificatePath(), cur); rerr != nil {
				s.log.Error("could not restore the certificate in use", "err", rerr)
			}
		}
		return fmt.Errorf("install certificate: %w", err)
	}
	s.log.Info("installed certificate credential", "thumbprint", cred.Thumbprint(),
		"notAfter", cred.NotAfter().UTC().Format(time.RFC3339), "rotating", cur != nil)
	return nil
}

// put writes a credential into one slot: key, then certificate file.
func (s *Store) put(ctx context.Context, name secrets.Name, path string, cred *certcred.Credential) error {
	value, err := cred.KeySecret()
	if err != nil {
		return err
	}
	if err := s.keys.Set(ctx, name, value); err != nil {
		return fmt.Errorf("store the private key in the keychain: %w", err)
	}
	// The certificate may come before the configuration, and with it its directory.
	if err := os.MkdirAll(filepath.Dir(path), config.DirPerm); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	if err := atomicfile.WriteFile(path, cred.CertificatePEM(), config.FilePerm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// Load reads the installed credential and, during a rotation, the one being
// replaced (nil otherwise). The error wraps ErrNone when nothing is
// installed; a previous credential that cannot be read is dropped with a
// warning rather than failing the current one.
func (s *Store) Load(ctx context.Context) (current, previous *certcred.Credential, err error) {
	current, err = s.load(ctx, secrets.GraphCertificateKey, s.CertificatePath())
	if err != nil {
		return nil, nil, err
	}
	previous, perr := s.load(ctx, secrets.GraphCertificateKeyPrevious, s.PreviousPath())
	if perr != nil && !errors.Is(perr, ErrNone) {
		s.log.Warn("the certificate being replaced is unreadable; ignoring it", "err", perr)
		previous = nil
	}
	return current, previous, nil
}

func (s *Store) load(ctx context.Context, name secrets.Name, path string) (*certcred.Credential, error) {
	pemData, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("load certificate credential: %w (%s does not exist); run: calsync cert new", ErrNone, path)
	}
	if err != nil {
		return nil, fmt.Errorf("load certificate credential: %w", err)
	}
	key, _, err := s.keys.Get(ctx, name)
	if errors.Is(err, secrets.ErrNotFound) {
		return nil, fmt.Errorf("load certificate credential: the private key of %s is not in the keychain: %w; run: calsync cert new", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("load certificate credential: %w", err)
	}
	cred, err := certcred.Load(pemData, key)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cred, nil
}

// Show describes the installed certificate, and the one being replaced if
// any, from the files alone (no keychain access), with days left at now.
func (s *Store) Show(now time.Time) (current certcred.Info, previous *certcred.Info, err error) {
	read := func(path string) (certcred.Info, error) {
		b, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return certcred.Info{}, fmt.Errorf("show certificate: %w (%s does not exist)", ErrNone, path)
		}
		if err != nil {
			return certcred.Info{}, fmt.Errorf("show certificate: %w", err)
		}
		c, err := certcred.ParseCertificatePEM(b)
		if err != nil {
			return certcred.Info{}, fmt.Errorf("show certificate %s: %w", path, err)
		}
		return certcred.Describe(c, path).WithDaysLeft(now), nil
	}
	if current, err = read(s.CertificatePath()); err != nil {
		return certcred.Info{}, nil, err
	}
	if p, perr := read(s.PreviousPath()); perr == nil {
		previous = &p
	}
	return current, previous, nil
}

// Confirm ends a rotation: the previous key and certificate are deleted.
// Without a rotation it does nothing.
func (s *Store) Confirm(ctx context.Context) error {
	err := s.keys.Delete(ctx, secrets.GraphCertificateKeyPrevious)
	if err != nil && !errors.Is(err, secrets.ErrNotFound) {
		return fmt.Errorf("confirm the new certificate: %w", err)
	}
	if err := os.Remove(s.PreviousPath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("confirm the new certificate: %w", err)
	}
	return nil
}

// Remove deletes the installed credential (both slots), for a switch back
// to the client secret.
func (s *Store) Remove(ctx context.Context) error {
	if err := s.Confirm(ctx); err != nil {
		return err
	}
	if err := s.keys.Delete(ctx, secrets.GraphCertificateKey); err != nil && !errors.Is(err, secrets.ErrNotFound) {
		return fmt.Errorf("remove certificate credential: %w", err)
	}
	if err := os.Remove(s.CertificatePath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove certificate credential: %w", err)
	}
	return nil
}

// Probe tries a credential, typically by obtaining a token with it
// (graph.Client.Token).
type Probe func(ctx context.Context, cred *certcred.Credential) error

// Select returns the credential to sign in with. Outside a rotation that is
// the installed one, unprobed. During a rotation the new one is probed:
// accepted, the rotation is confirmed and it is returned; refused (not yet
// uploaded, say), the previous one is returned and keeps the service
// running, and the refusal is returned as pending for `calsync check` to
// report.
func (s *Store) Select(ctx context.Context, probe Probe) (use *certcred.Credential, pending error, err error) {
	cur, prev, err := s.Load(ctx)
	if err != nil {
		return nil, nil, err
	}
	if prev == nil {
		return cur, nil, nil
	}
	perr := probe(ctx, cur)
	if ctx.Err() != nil {
		return nil, nil, fmt.Errorf("select certificate: %w", ctx.Err())
	}
	if perr == nil {
		if err := s.Confirm(ctx); err != nil {
			// The new one works; the leftover is retried at the next Select.
			s.log.Warn("new certificate works but the previous one could not be removed", "err", err)
		}
		s.log.Info("new certificate confirmed", "thumbprint", cur.Thumbprint())
		return cur, nil, nil
	}
	s.log.Info("new certificate not accepted yet; using the previous one",
		"new", cur.Thumbprint(), "previous", prev.Thumbprint(), "err", perr)
	return prev, perr, nil
}

// TokenProbe returns a Probe that obtains a token with the credential, from
// the client opts describe (their ClientSecret and Certificate are
// replaced): what Select needs to tell whether Entra accepts a new
// certificate yet.
func TokenProbe(opts graph.Options) Probe {
	return func(ctx context.Context, cred *certcred.Credential) error {
		opts.ClientSecret, opts.Certificate = "", cred
		c, err := graph.New(opts)
		if err != nil {
			return fmt.Errorf("probe certificate %s: %w", cred.Thumbprint(), err)
		}
		return c.Token(ctx)
	}
}
