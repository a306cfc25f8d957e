package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/graph"
	"github.com/calsync/calsync/sync/localapi"
	"github.com/calsync/calsync/sync/onecloud"
	"github.com/calsync/calsync/sync/secrets"
)

// expiryRecord is the expiry date `secret set NAME --expires` records, in
// the configuration (never the keychain): the running service's, through
// the local API, or else the file. It is prepared, and checked, before the
// secret is read or stored, so bad input stores nothing.
type expiryRecord struct {
	name   secrets.Name
	field  string // the config field, e.g. "onecloud.tokenExpires"
	date   string // YYYY-MM-DD
	path   string
	cfg    *config.Config
	client *localapi.Client // non-nil: the service owns the configuration
}

// expiryField is the config field that records name's expiry date.
func expiryField(name secrets.Name) (string, func(*config.Config, string), bool) {
	switch name {
	case secrets.OneCloud:
		return "onecloud.tokenExpires", func(c *config.Config, d string) { c.OneCloud.TokenExpires = d }, true
	case secrets.Graph:
		return "connector.secretExpires", func(c *config.Config, d string) { c.Connector.SecretExpires = d }, true
	}
	return "", nil, false
}

// prepareExpiry checks --expires and loads the configuration it goes into,
// with the date already set and the result validated. Every error is a
// usage error (2) that names the flag.
func prepareExpiry(ctx context.Context, g *globals, e *env, name secrets.Name, raw string, now time.Time) (*expiryRecord, error) {
	prefix := fmt.Sprintf("calsync secret set %s: --expires", name)
	field, set, ok := expiryField(name)
	if !ok {
		return nil, usageErrorf("%s: only graph and onecloud have an expiry date", prefix)
	}
	date, err := config.ParseExpiryInput(raw, now)
	if err != nil {
		return nil, usageErrorf("%s: %v; nothing was stored", prefix, err)
	}
	path, err := configPath(g, e)
	if err != nil {
		return nil, err
	}
	r := &expiryRecord{name: name, field: field, date: date, path: path}
	client := localapi.NewClient(config.SiblingPath(path, config.SocketFileName))
	data, err := client.Config(ctx)
	switch {
	case err == nil:
		r.client = client
		if r.cfg, err = config.Decode(data); err != nil {
			return nil, fmt.Errorf("%s: read the running service's configuration: %w", prefix, err)
		}
	case errors.Is(err, localapi.ErrNotRunning):
		r.cfg, err = config.Load(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, usageErrorf("%s: there is no configuration at %s to record the date in; set calsync up first "+
				"(the window, or docs/config.md), or store the secret without --expires; nothing was stored", prefix, path)
		}
		if err != nil {
			return nil, withCode(exitUsage, fmt.Errorf("%s: %w; nothing was stored", prefix, err))
		}
	case errors.Is(err, localapi.ErrAccessDenied):
		return nil, fmt.Errorf("the calsync service is running but refused this user: run this command as the user the service runs as (on Windows, from an elevated prompt): %w", err)
	default:
		return nil, fmt.Errorf("%s: read the running service's configuration: %w", prefix, err)
	}
	set(r.cfg, date)
	if err := r.cfg.Validate(); err != nil {
		return nil, withCode(exitUsage, fmt.Errorf("%s: the configuration %s is not valid, so the date cannot be recorded in it "+
			"(fix it first; nothing was stored):\n%w", prefix, path, err))
	}
	return r, nil
}

// save records the date, once the secret is stored.
func (r *expiryRecord) save(ctx context.Context) error {
	var err error
	if r.client != nil {
		var data []byte
		if data, err = config.Marshal(r.cfg); err == nil {
			err = r.client.PutConfig(ctx, data)
		}
	} else {
		err = config.Save(r.path, r.cfg)
	}
	if err != nil {
		return fmt.Errorf("the %s secret is stored, but its expiry date could not be recorded: set %s to %q in %s: %w",
			r.name, r.field, r.date, r.path, err)
	}
	return nil
}

// expiryNote is what `secret status` says of a secret's expiry: the
// warning from 30 days before, the date otherwise, or how to record it.
func expiryNote(cfg *config.Config, name secrets.Name, now time.Time) string {
	if cfg == nil {
		return ""
	}
	switch name {
	case secrets.OneCloud:
		exp, ok := cfg.OneCloudTokenExpiry()
		if !ok {
			return "expiry date not recorded: calsync secret set onecloud --expires YYYY-MM-DD (the date the OneCloud ticket shows)"
		}
		if w := onecloud.TokenExpiryWarning(exp, now); w != "" {
			return w
		}
		return "the API ticket expires on " + exp.Format("2006-01-02")
	case secrets.Graph:
		if cfg.Connector.UsesCertificate() {
			return ""
		}
		exp, ok := cfg.SecretExpiry()
		if !ok {
			return ""
		}
		if w := graph.SecretExpiryWarning(exp, now); w != "" {
			return w
		}
		return "expires on " + exp.Format("2006-01-02")
	}
	return ""
}

// record saves the date after the secret was stored, and says so; a nil
// record (no --expires) does nothing.
func (r *expiryRecord) record(ctx context.Context, e *env) error {
	if r == nil {
		return nil
	}
	if err := r.save(ctx); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "expiry date %s recorded in %s; calsync warns 30, 7 and 1 days before\n", r.date, r.field)
	return nil
}
