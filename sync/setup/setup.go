// Package setup builds the running parts of calsync - the Graph reader, the
// OneCloud client and the engine - from a configuration and the secret
// store, the same way for the CLI, the service and the demo. Build reads
// each secret once and hands back every part it made, so no caller builds a
// second client (or reads the keychain again) for something Build has.
package setup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"

	"github.com/calsync/calsync/sync/certcred"
	"github.com/calsync/calsync/sync/certstore"
	"github.com/calsync/calsync/sync/check"
	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/contacts"
	"github.com/calsync/calsync/sync/graph"
	"github.com/calsync/calsync/sync/onecloud"
	"github.com/calsync/calsync/sync/presence"
	"github.com/calsync/calsync/sync/secrets"
	"github.com/calsync/calsync/sync/teamspresence"
)

// Options are the process-wide inputs every part shares.
type Options struct {
	ConfigPath string         // state.json and friends live next to it; "" keeps state in memory
	Secrets    *secrets.Store // required
	HTTPClient *http.Client   // nil: each client's default
	Clock      clock.Clock    // nil: the real clock
	Logger     *slog.Logger   // nil: discard
}

func (o Options) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Logger
}

// MissingSecretError says which secret is not set and how to set it.
type MissingSecretError struct {
	Name secrets.Name
	Err  error
}

func (e *MissingSecretError) Error() string {
	// The store's error already says where it looked and what to run.
	return fmt.Sprintf("the %s is missing: %v", e.Name.Description(), e.Err)
}

func (e *MissingSecretError) Unwrap() error { return e.Err }

// Secret reads one secret, turning "not found" into a MissingSecretError.
func Secret(ctx context.Context, store *secrets.Store, name secrets.Name) (string, error) {
	v, _, err := store.Get(ctx, name)
	if err != nil {
		return "", &MissingSecretError{Name: name, Err: err}
	}
	return v, nil
}

// MissingCertificateError says the connector signs in with a certificate
// (connector.credential) but none is installed, and how to make one.
type MissingCertificateError struct{ Err error }

func (e *MissingCertificateError) Error() string {
	return fmt.Sprintf("the certificate credential is missing: %v (make one with `calsync cert new`)", e.Err)
}

func (e *MissingCertificateError) Unwrap() error { return e.Err }

// CertStore is the certificate credential kept for the configuration at
// o.ConfigPath: its key in o.Secrets, its certificate beside the config.
func CertStore(o Options) (*certstore.Store, error) {
	if o.ConfigPath == "" {
		return nil, errors.New("the certificate credential is kept beside the configuration file, and there is none")
	}
	return certstore.New(o.Secrets, filepath.Dir(o.ConfigPath), o.logger()), nil
}

// Certificate selects the certificate to sign in with, probing a new one
// with a token from the client opts describe while a rotation is under
// way. pending is why a new certificate is not used yet (use is then the
// one it replaces); none installed is a MissingCertificateError.
func Certificate(ctx context.Context, o Options, opts graph.Options) (use *certcred.Credential, pending error, err error) {
	store, err := CertStore(o)
	if err != nil {
		return nil, nil, err
	}
	use, pending, err = store.Select(ctx, certstore.TokenProbe(opts))
	if errors.Is(err, certstore.ErrNone) || errors.Is(err, secrets.ErrNotFound) {
		return nil, nil, &MissingCertificateError{Err: err}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read the certificate credential: %w", err)
	}
	return use, pending, nil
}

// graphOptions are the client options for cfg's connector, without a credential.
func graphOptions(cfg *config.Config, o Options) graph.Options {
	return graph.Options{
		TenantID:     cfg.Connector.TenantID,
		ClientID:     cfg.Connector.ClientID,
		SyncUser:     cfg.Connector.SyncUser,
		AuthorityURL: cfg.AuthorityURL(),
		GraphURL:     cfg.GraphURL(),
		HTTPClient:   o.HTTPClient,
		Clock:        o.Clock,
		Logger:       o.logger(),
	}
}

// Graph builds the Microsoft 365 reader for cfg's connector, with the
// client secret or, when connector.credential says so, the certificate.
func Graph(ctx context.Context, cfg *config.Config, o Options) (*graph.Client, error) {
	opts := graphOptions(cfg, o)
	if cfg.Connector.UsesCertificate() {
		cred, pending, err := Certificate(ctx, o, opts)
		if err != nil {
			return nil, err
		}
		if pending != nil {
			o.logger().Warn("the new certificate is not accepted yet; signing in with the previous one",
				"previous", cred.Thumbprint(), "err", pending)
		}
		opts.Certificate = cred
	} else {
		secret, err := Secret(ctx, o.Secrets, secrets.Graph)
		if err != nil {
			return nil, err
		}
		opts.ClientSecret = secret
	}
	c, err := graph.New(opts)
	if err != nil {
		return nil, fmt.Errorf("set up the Microsoft 365 reader: %w", err)
	}
	return c, nil
}

// OneCloud builds the OneCloud client for cfg.
func OneCloud(ctx context.Context, cfg *config.Config, o Options) (*onecloud.Client, error) {
	token, err := Secret(ctx, o.Secrets, secrets.OneCloud)
	if err != nil {
		return nil, err
	}
	expires, _ := cfg.OneCloudTokenExpiry()
	c, err := onecloud.New(onecloud.Options{
		BaseURL:        cfg.OneCloud.BaseURL,
		Token:          token,
		MethodOverride: cfg.OneCloud.MethodOverride,
		TokenExpires:   expires,
		HTTPClient:     o.HTTPClient,
		Clock:          o.Clock,
		Logger:         o.logger(),
	})
	if err != nil {
		return nil, fmt.Errorf("set up the OneCloud client: %w", err)
	}
	return c, nil
}

// Parts are the running parts Build makes from one configuration: the two
// clients and the engine over them. Callers take what they need from here
// instead of building their own, so a secret is read once per Build.
type Parts struct {
	Graph    *graph.Client
	OneCloud *onecloud.Client
	Engine   *presence.Engine
	// Contacts syncs Exchange contacts into OneCloud phonebooks over the same two clients;
	// nil when contacts sync is off.
	Contacts *contacts.Syncer
}

// Build makes the Graph reader, the OneCloud client, the engine over both (reading Teams
// presence too when a rule is of type teams) and, when contacts sync is on, the contacts syncer
// over the same clients, with their state files next to the configuration.
func Build(ctx context.Context, cfg *config.Config, o Options) (*Parts, error) {
	g, err := Graph(ctx, cfg, o)
	if err != nil {
		return nil, err
	}
	oc, err := OneCloud(ctx, cfg, o)
	if err != nil {
		return nil, err
	}
	var statePath string
	if o.ConfigPath != "" {
		statePath = config.SiblingPath(o.ConfigPath, config.StateFileName)
	}
	deps := presence.Deps{Schedules: g, OneCloud: oc, Catalog: oc}
	if cfg.UsesTeams() {
		var teamsPath string
		if o.ConfigPath != "" {
			teamsPath = config.SiblingPath(o.ConfigPath, teamspresence.StateFileName)
		}
		teams, err := teamspresence.New(g, teamspresence.Options{StatePath: teamsPath, Clock: o.Clock, Logger: o.logger()})
		if err != nil {
			return nil, fmt.Errorf("set up Teams presence: %w", err)
		}
		deps.Teams = teams
	}
	e, err := presence.New(cfg, deps, presence.Options{
		StatePath: statePath,
		Clock:     o.Clock,
		Logger:    o.logger(),
	})
	if err != nil {
		return nil, fmt.Errorf("set up the engine: %w", err)
	}
	p := &Parts{Graph: g, OneCloud: oc, Engine: e}
	if cfg.ContactsEnabled() {
		if p.Contacts, err = newContacts(cfg, o, g, oc); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// CheckDeps gathers what `calsync check` and the GUI's Test connection need:
// the Graph credential (the secret, or in certificate mode the certificate
// to use and a rotation still pending, or why it is missing) and a OneCloud
// probe that lists activities with the stored token.
func CheckDeps(ctx context.Context, cfg *config.Config, cfgErr error, o Options) check.Deps {
	d := check.Deps{Config: cfg, ConfigErr: cfgErr, HTTPClient: o.HTTPClient, Clock: o.Clock, Logger: o.logger()}
	if cfg != nil && cfg.Connector.UsesCertificate() {
		d.Certificate, d.CertificatePending, d.CertificateErr = Certificate(ctx, o, graphOptions(cfg, o))
	} else {
		secret, src, err := o.Secrets.Get(ctx, secrets.Graph)
		if err != nil {
			err = &MissingSecretError{Name: secrets.Graph, Err: err}
		}
		d.Secret, d.SecretFrom, d.SecretErr = secret, src.Where(secrets.Graph), err
	}
	if cfg == nil {
		return d
	}
	d.OneCloud = func(ctx context.Context) error {
		oc, err := OneCloud(ctx, cfg, o)
		if err != nil {
			return err
		}
		acts, err := oc.Activities(ctx)
		if err != nil {
			return oneCloudError{err}
		}
		if len(acts) == 0 {
			return errors.New("OneCloud answered with no activities: rules cannot be mapped")
		}
		return nil
	}
	return d
}

// oneCloudError gives a OneCloud failure the remedy `calsync check` prints.
type oneCloudError struct{ error }

func (e oneCloudError) Unwrap() error { return e.error }

func (e oneCloudError) Remedy() string {
	if onecloud.IsAuth(e.error) {
		return onecloud.AuthRemedy(e.error)
	}
	return "check onecloud.baseURL in the configuration and that this computer can reach it"
}
