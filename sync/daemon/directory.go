package daemon

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sync"
	"time"

	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/localapi"
	"github.com/calsync/calsync/sync/onecloud"
	"github.com/calsync/calsync/sync/setup"
)

// DirectoryTTL is how long the OneCloud directory (activities, roles, groups,
// users) is served from memory before the editors' next request reads it
// again.
const DirectoryTTL = time.Minute

// directoryCache keeps the last OneCloud directory read. The user names in
// it label the status table; they are kept across engine restarts (an id
// keeps its name) while the lists themselves are read again after a restart.
type directoryCache struct {
	fetchMu sync.Mutex // one read of OneCloud at a time

	mu    sync.Mutex
	dir   localapi.Directory
	at    time.Time // zero: nothing valid cached
	names map[string]string
}

// name is a OneCloud user's display name, or its id when unknown.
func (c *directoryCache) name(id string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := c.names[id]; n != "" {
		return n
	}
	return id
}

// invalidate makes the next directory request read OneCloud again.
func (c *directoryCache) invalidate() {
	c.mu.Lock()
	c.at = time.Time{}
	c.mu.Unlock()
}

// get returns the cached directory if it is younger than DirectoryTTL.
func (c *directoryCache) get(now time.Time) (localapi.Directory, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at.IsZero() || now.Sub(c.at) >= DirectoryTTL || now.Before(c.at) {
		return localapi.Directory{}, false
	}
	return cloneDirectory(c.dir), true
}

// refresh reads the directory from OneCloud with oc and caches it, unless
// a read that finished while this one waited its turn left it fresh.
func (c *directoryCache) refresh(ctx context.Context, oc *onecloud.Client, clk clock.Clock) error {
	c.fetchMu.Lock()
	defer c.fetchMu.Unlock()
	if _, fresh := c.get(clk.Now()); fresh {
		return nil
	}
	dir, err := readDirectory(ctx, oc)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dir, c.at = dir, clk.Now()
	if c.names == nil {
		c.names = map[string]string{}
	}
	for _, u := range dir.Users {
		if u.Name != "" {
			c.names[u.ID] = u.Name
		}
	}
	return nil
}

// readDirectory lists what the rule and user editors choose from.
func readDirectory(ctx context.Context, oc *onecloud.Client) (localapi.Directory, error) {
	acts, err := oc.Activities(ctx)
	if err != nil {
		return localapi.Directory{}, fmt.Errorf("list OneCloud activities: %w", err)
	}
	roles, err := oc.Roles(ctx)
	if err != nil {
		return localapi.Directory{}, fmt.Errorf("list OneCloud roles: %w", err)
	}
	groups, err := oc.Groups(ctx)
	if err != nil {
		return localapi.Directory{}, fmt.Errorf("list OneCloud groups: %w", err)
	}
	users, err := oc.Users(ctx)
	if err != nil {
		return localapi.Directory{}, fmt.Errorf("list OneCloud users: %w", err)
	}
	dir := localapi.Directory{
		Activities: make([]localapi.Activity, 0, len(acts)),
		Roles:      make([]localapi.Role, 0, len(roles)),
		Groups:     make([]localapi.Group, 0, len(groups)),
		Users:      make([]localapi.DirectoryUser, 0, len(users)),
	}
	for _, a := range acts {
		dir.Activities = append(dir.Activities, localapi.Activity{ID: a.ID, Name: a.Name, Available: a.Available})
	}
	for _, r := range roles {
		dir.Roles = append(dir.Roles, localapi.Role{ID: r.ID, Name: r.Name})
	}
	memberOf := map[string][]string{}
	for _, g := range groups {
		members := slices.Clone(g.Members)
		if members == nil {
			members = []string{}
		}
		dir.Groups = append(dir.Groups, localapi.Group{ID: g.ID, Name: g.Name, Members: members})
		for _, m := range g.Members {
			if !slices.Contains(memberOf[m], g.ID) {
				memberOf[m] = append(memberOf[m], g.ID)
			}
		}
	}
	for _, u := range users {
		dir.Users = append(dir.Users, localapi.DirectoryUser{ID: u.ID, Username: u.Username, Name: u.Name, Email: u.Email, Groups: memberOf[u.ID]})
	}
	return dir, nil
}

func cloneDirectory(d localapi.Directory) localapi.Directory {
	out := localapi.Directory{
		Activities: slices.Clone(d.Activities),
		Roles:      slices.Clone(d.Roles),
		Groups:     make([]localapi.Group, len(d.Groups)),
		Users:      make([]localapi.DirectoryUser, len(d.Users)),
	}
	for i, g := range d.Groups {
		g.Members = slices.Clone(g.Members)
		out.Groups[i] = g
	}
	for i, u := range d.Users {
		u.Groups = slices.Clone(u.Groups)
		out.Users[i] = u
	}
	return out
}

// OneCloudDirectory lists OneCloud's activities, roles, groups and users
// (each with its groups) for the rule and user editors. It is read with the
// running engine's client, or, when none runs, with a client built from the
// configuration file (or the default OneCloud URL when there is none yet)
// and the stored token; the answer is cached for DirectoryTTL.
func (d *Daemon) OneCloudDirectory(ctx context.Context) (localapi.Directory, error) {
	if dir, ok := d.dir.get(d.clock.Now()); ok {
		return dir, nil
	}
	oc, err := d.oneCloudClient(ctx)
	if err != nil {
		return localapi.Directory{}, err
	}
	if err := d.dir.refresh(ctx, oc, d.clock); err != nil {
		return localapi.Directory{}, fmt.Errorf("read the OneCloud directory: %w", err)
	}
	dir, _ := d.dir.get(d.clock.Now())
	return dir, nil
}

// oneCloudClient is the running engine's OneCloud client, or a new one from
// the configuration file and the stored token.
func (d *Daemon) oneCloudClient(ctx context.Context) (*onecloud.Client, error) {
	if g, _, _, _ := d.current(); g != nil {
		return g.oc, nil
	}
	cfg, err := config.Load(d.opts.ConfigPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		cfg = config.Default()
	case err != nil:
		return nil, fmt.Errorf("read the OneCloud directory: %w", err)
	}
	oc, err := setup.OneCloud(ctx, cfg, d.setupOptions())
	if err != nil {
		return nil, fmt.Errorf("read the OneCloud directory: %w", err)
	}
	return oc, nil
}
