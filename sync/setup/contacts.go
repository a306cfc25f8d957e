package setup

import (
	"fmt"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/contacts"
	"github.com/calsync/calsync/sync/graph"
	"github.com/calsync/calsync/sync/onecloud"
)

// newContacts builds the contacts syncer over the clients Build made, with its state file next
// to the configuration.
func newContacts(cfg *config.Config, o Options, g *graph.Client, oc *onecloud.Client) (*contacts.Syncer, error) {
	var statePath string
	if o.ConfigPath != "" {
		statePath = config.SiblingPath(o.ConfigPath, contacts.StateFileName)
	}
	store, err := contacts.OpenStore(statePath, o.logger())
	if err != nil {
		return nil, err
	}
	s, err := contacts.New(contacts.Options{Exchange: g, OneCloud: oc, Store: store, Region: cfg.Contacts.DefaultRegion, Logger: o.logger(),
		SignIn: g.SignIn})
	if err != nil {
		return nil, fmt.Errorf("set up contacts sync: %w", err)
	}
	return s, nil
}
