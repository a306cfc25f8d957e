package setup

import (
	"context"
	"fmt"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/contacts"
)

// Contacts builds the contacts syncer over both clients, with its state file next to the
// configuration.
func Contacts(ctx context.Context, cfg *config.Config, o Options) (*contacts.Syncer, error) {
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
		statePath = config.SiblingPath(o.ConfigPath, contacts.StateFileName)
	}
	store, err := contacts.OpenStore(statePath, o.logger())
	if err != nil {
		return nil, err
	}
	var region string
	if cfg.Contacts != nil {
		region = cfg.Contacts.DefaultRegion
	}
	s, err := contacts.New(contacts.Options{Exchange: g, OneCloud: oc, Store: store, Region: region, Logger: o.logger()})
	if err != nil {
		return nil, fmt.Errorf("set up contacts sync: %w", err)
	}
	return s, nil
}
